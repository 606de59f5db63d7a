// The fixture of the scheduler client's tests against the simulated master
// (test/client_*_test.cpp): a simulated cluster and a client configuration
// for it, in the encoding that is the test's parameter. The suite is
// instantiated once for all those files, in test/client_test.cpp.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <memory>

#include "client_support.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace mesoshttp::test {

class Client : public ::testing::TestWithParam<encoding> {
 protected:
  void start_sim(std::size_t masters = 1) {
    sim_ = std::make_unique<mesoshttp::sim::cluster>(sim_config(masters));
    sim_->start();
  }
  mesoshttp::client_config config() { return base_config(GetParam(), sim_->urls()); }

  std::unique_ptr<mesoshttp::sim::cluster> sim_;
};

}  // namespace mesoshttp::test
