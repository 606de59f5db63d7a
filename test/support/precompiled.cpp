// The translation unit that builds the precompiled header all test targets
// reuse (test/CMakeLists.txt); it has no code of its own.
