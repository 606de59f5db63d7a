#include <gtest/gtest.h>
TEST(Placeholder, Captures) {}
