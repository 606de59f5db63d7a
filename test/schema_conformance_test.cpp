#include <gtest/gtest.h>
TEST(Placeholder, Schema) {}
