// The scheduler client against the simulated master, over real sockets on
// 127.0.0.1, in both encodings. Answers the simulator never gives are in
// client_scripted_test.cpp.
//
// The tests are by subject in client_calls_test.cpp, client_consumers_test.cpp,
// client_failover_test.cpp and client_shutdown_test.cpp; this file
// instantiates the suite they share (support/client_fixture.hpp) once for all.
#include <gtest/gtest.h>

#include <string>

#include "mesoshttp/codec.hpp"
#include "support/client_fixture.hpp"

namespace {

using namespace mesoshttp::test;

INSTANTIATE_TEST_SUITE_P(Encodings, Client, ::testing::Values(encoding::protobuf, encoding::json),
                         [](const auto& p) { return std::string(mesoshttp::to_string(p.param)); });

}  // namespace
