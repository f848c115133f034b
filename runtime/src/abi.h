// abi.h — includes the public C ABI with default visibility.
//
// libmeshrt is built with hidden visibility so that only the C ABI is exported (internal C++
// symbols cannot clash with the generated program's or be depended upon by accident); every
// source file that defines ABI functions includes the public headers through this one.
#ifndef MESHRT_SRC_ABI_H
#define MESHRT_SRC_ABI_H

#pragma GCC visibility push(default)
#include "meshrt/bench.h"
#include "meshrt/meshrt.h"
#pragma GCC visibility pop

#endif // MESHRT_SRC_ABI_H
