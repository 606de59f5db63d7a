#include <gtest/gtest.h>
TEST(Placeholder, Codec) {}
