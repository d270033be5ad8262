#!/usr/bin/env node
// Thin launcher so that npm can link the `seshat` bin before the first build.
import '../dist/main.js';
