// The headers nearly every test includes, compiled once into a precompiled
// header that every test target reuses (test/CMakeLists.txt). They are most
// of a test object's compile time: a typical socket test spends about 10 of
// its 15 seconds in GoogleTest, Asio, Beast, the generated protobuf code and
// the simulator's header. Only stable, widely used headers belong here; a
// test still includes what it uses, so it builds without this file too.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mesos/v1/master/master.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"
#include "mesoshttp/calls.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/error.hpp"
#include "mesoshttp/recordio.hpp"
#include "mesoshttp/sim/cluster.hpp"
