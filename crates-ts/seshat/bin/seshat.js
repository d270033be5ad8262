#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.hugetlb=1 node
// Thin launcher so that npm can link the `seshat` bin before the first build. glibc's malloc
// backs its heaps with transparent huge pages (where THP is `madvise`): fewer page faults on
// the write path (see docs/operations.md, "Memory").
import '../dist/main.js';
