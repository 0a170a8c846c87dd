// Assertions for the libFuzzer targets in this folder.
//
// A fuzz target must stop loudly when a property fails, so that libFuzzer saves the input as a
// crash artifact. PBL_FUZZ_CHECK prints which property failed (the trap alone would only give a
// stack) and then traps. It is always on, unlike assert(), whose NDEBUG the RelWithDebInfo
// fuzz build defines.
#ifndef PBL_TESTS_FUZZ_FUZZ_CHECK_H_
#define PBL_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>

#define PBL_FUZZ_CHECK(condition, what)                                                   \
  do {                                                                                    \
    if (!(condition)) {                                                                   \
      std::fprintf(stderr, "%s:%d: property failed: %s (%s)\n", __FILE__, __LINE__, what, \
                   #condition);                                                           \
      __builtin_trap();                                                                   \
    }                                                                                     \
  } while (false)

#endif  // PBL_TESTS_FUZZ_FUZZ_CHECK_H_
