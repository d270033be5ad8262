#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864 node
// Thin launcher so that npm can link the `seshat` bin before the first build. glibc's malloc
// backs its heaps with transparent huge pages (where THP is `madvise`) and keeps blocks up to
// 32 MB (RocksDB's memtable arenas) in its heaps: fewer page faults on the write path (see
// docs/operations.md, "Memory: huge pages for malloc"; the same setting as `npm start`).
import '../dist/main.js';
