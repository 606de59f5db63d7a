// The call pool on its own, over real sockets on 127.0.0.1, with an API of
// the test's making (a "PING" call whose body is a string): nothing of the
// scheduler API is needed to send calls through it, which is what lets the
// executor and operator clients reuse it. The decisions behind it have their
// own socket-free tests (call_rules_test.cpp); these check the I/O around them.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "calls/call_pool.hpp"
#include "../support/scripted_master.hpp"

namespace mesoshttp::test {
namespace {

using namespace std::chrono_literals;
using detail::call_pool;
using detail::pending_call;

constexpr auto bound = 20s;  // bounds a failing wait; never reached by a passing test

std::string answer(unsigned status, std::string_view reason, std::string_view body = {},
                   std::string_view content_type = "text/plain") {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  if (!body.empty()) out += "Content-Type: " + std::string(content_type) + "\r\n";
  return out + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

// Keeps the heads the master saw, and answers from a list (the last one
// again once the list is used up).
struct recording_master {
  explicit recording_master(std::vector<std::string> replies)
      : master(
            [this, replies = std::move(replies)](std::size_t i, const std::string& head) {
              std::lock_guard lock(mutex);
              heads.push_back(head);
              return replies[std::min(i, replies.size() - 1)];
            },
            /*close_after=*/false) {}
  std::vector<std::string> seen() {
    std::lock_guard lock(mutex);
    return heads;
  }
  std::mutex mutex;
  std::vector<std::string> heads;
  scripted_master master;
};

class CallPoolTest : public ::testing::TestWithParam<encoding> {
 protected:
  CallPoolTest() : strand_(boost::asio::make_strand(io_.get_executor())) {}
  ~CallPoolTest() override {
    if (pool_) {
      boost::asio::post(strand_, [pool = pool_] { pool->close({}, "test over"); });
    }
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }

  // A member, so that it outlives the pool's connections (closed in the
  // destructor's body): its threads wait for the client to hang up.
  recording_master& serve(std::vector<std::string> replies) {
    master_ = std::make_unique<recording_master>(std::move(replies));
    return *master_;
  }

  void start(call_pool::settings settings = {}, authorization_provider provider = {}) {
    settings.wire = GetParam();
    settings.user_agent = "pool-test";
    auth_.emplace(std::move(provider), std::nullopt);
    call_pool::hooks hooks;
    hooks.decode_response = [](call_result& result, encoding) -> std::string {
      if (result.body == "unreadable") return "not a PONG";
      return {};
    };
    hooks.on_subscription_gone = [this](unsigned status) {
      std::lock_guard lock(mutex_);
      gone_.push_back(status);
    };
    pool_ = std::make_shared<call_pool>(strand_, settings, hooks, tls_, *auth_, detail::log_sink{});
    thread_ = std::thread([this] { io_.run(); });
  }

  void subscribe(const std::string& url, std::string stream_id, std::uint64_t generation) {
    detail::master_endpoint master;
    ASSERT_FALSE(detail::parse_master_url(url, master, nullptr));
    master.target = "/api/v1/test";  // the API's own endpoint
    boost::asio::post(
        strand_, [pool = pool_, master, stream_id, generation] { pool->on_subscribed(master, stream_id, generation); });
  }

  void on_strand(std::function<void(call_pool&)> f) {
    boost::asio::post(strand_, [pool = pool_, f = std::move(f)] { f(*pool); });
  }

  std::future<call_result> send(std::string payload, bool idempotent = true, std::string invalid = {}) {
    auto promise = std::make_shared<std::promise<call_result>>();
    auto future = promise->get_future();
    auto pc = std::make_shared<pending_call>(
        "PING", 1, idempotent,
        [payload](encoding, std::string& body, std::string&) {
          body = payload;
          return std::error_code{};
        },
        [promise](call_result r) { promise->set_value(std::move(r)); });
    pc->invalid = std::move(invalid);
    pool_->submit(std::move(pc));
    return future;
  }

  static call_result get(std::future<call_result>& f) {
    if (f.wait_for(bound) != std::future_status::ready) {
      ADD_FAILURE() << "the call never completed";
      return {};
    }
    return f.get();
  }

  std::vector<unsigned> gone() {
    std::lock_guard lock(mutex_);
    return gone_;
  }

  std::unique_ptr<recording_master> master_;
  boost::asio::io_context io_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{io_.get_executor()};
  detail::tls_client tls_{tls_config{}};
  std::optional<detail::authorizer> auth_;
  std::shared_ptr<call_pool> pool_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<unsigned> gone_;
};

TEST_P(CallPoolTest, SendsOnePostToTheApiEndpointWithTheStreamIdAndCompletesWithTheAnswer) {
  auto& m = serve({answer(202, "Accepted"), answer(200, "OK", "PONG", "application/json")});
  start();
  subscribe(m.master.url(), "stream-1", 1);
  auto accepted = send("ping one");
  auto r = get(accepted);
  EXPECT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status, 202u);
  EXPECT_EQ(r.attempts, 1u);
  auto synchronous = send("ping two");
  r = get(synchronous);
  EXPECT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "PONG");
  const auto heads = m.seen();
  ASSERT_GE(heads.size(), 2u);
  EXPECT_EQ(heads[0].rfind("POST /api/v1/test HTTP/1.1\r\n", 0), 0u) << heads[0];
  EXPECT_NE(heads[0].find("Mesos-Stream-Id: stream-1\r\n"), std::string::npos) << heads[0];
  EXPECT_NE(heads[0].find("Content-Length: 8\r\n"), std::string::npos) << heads[0];
  const std::string type = GetParam() == encoding::json ? "application/json" : "application/x-protobuf";
  EXPECT_NE(heads[0].find("Content-Type: " + type + "\r\n"), std::string::npos) << heads[0];
}

TEST_P(CallPoolTest, AnUnreadableResponseFailsTheCallNamingTheMaster) {
  auto& m = serve({answer(200, "OK", "unreadable")});
  start();
  subscribe(m.master.url(), "s", 1);
  auto f = send("ping");
  const auto r = get(f);
  EXPECT_EQ(r.error, make_error_code(error::unexpected_response));
  EXPECT_NE(r.message.find("PING: undecodable 200 answer from " + m.master.url()), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("not a PONG"), std::string::npos) << r.message;
}

TEST_P(CallPoolTest, CallsWaitForASubscriptionAndTimeOutWithoutOne) {
  auto& m = serve({answer(202, "Accepted")});
  call_pool::settings s;
  s.call_timeout = 300ms;
  start(s);
  auto f = send("ping");
  const auto r = get(f);
  EXPECT_EQ(r.error, make_error_code(error::call_timeout));
  EXPECT_NE(r.message.find("(not subscribed)"), std::string::npos) << r.message;
  EXPECT_EQ(r.attempts, 0u);
  EXPECT_EQ(m.master.requests(), 0u);
}

TEST_P(CallPoolTest, ARefusalIsQuotedAndARefusedSubscriptionIsReportedOnceAndTheCallResent) {
  auto& m = serve({answer(503, "Service Unavailable", "recovering"), answer(403, "Forbidden", "not subscribed"),
                   answer(202, "Accepted")});
  start();
  subscribe(m.master.url(), "s", 7);
  auto refused = send("ping");
  auto r = get(refused);
  EXPECT_EQ(r.error, make_error_code(error::call_rejected));
  EXPECT_NE(r.message.find("PING rejected by " + m.master.url()), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("503 Service Unavailable: recovering"), std::string::npos) << r.message;

  // 403: the subscription is gone. The API layer hears of it; the idempotent
  // call waits for the next subscription and goes out again there.
  auto resent = send("ping");
  for (auto until = std::chrono::steady_clock::now() + bound;
       gone().empty() && std::chrono::steady_clock::now() < until;)
    std::this_thread::sleep_for(5ms);
  ASSERT_EQ(gone(), std::vector<unsigned>{403});
  on_strand([](call_pool& pool) { pool.on_unsubscribed(); });
  EXPECT_EQ(resent.wait_for(200ms), std::future_status::timeout);
  subscribe(m.master.url(), "s2", 8);
  r = get(resent);
  EXPECT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.attempts, 2u);
  const auto heads = m.seen();
  ASSERT_EQ(heads.size(), 3u);
  EXPECT_NE(heads[2].find("Mesos-Stream-Id: s2\r\n"), std::string::npos) << heads[2];
  EXPECT_EQ(gone().size(), 1u);
}

TEST_P(CallPoolTest, ANonIdempotentCallIsNeverSentTwice) {
  auto& m = serve({answer(403, "Forbidden"), answer(202, "Accepted")});
  start();
  subscribe(m.master.url(), "s", 1);
  auto f = send("launch", /*idempotent=*/false);
  const auto r = get(f);
  EXPECT_EQ(r.error, make_error_code(error::call_rejected));
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_EQ(m.master.requests(), 1u);
}

TEST_P(CallPoolTest, A401RefreshesTheAuthorizationOnceAndResends) {
  auto& m = serve({answer(401, "Unauthorized"), answer(202, "Accepted")});
  std::atomic<int> asked{0};
  start({}, [&asked](bool refresh) -> std::optional<std::string> {
    ++asked;
    return refresh ? "Bearer fresh" : "Bearer stale";
  });
  subscribe(m.master.url(), "s", 1);
  auto f = send("ping");
  const auto r = get(f);
  EXPECT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.attempts, 2u);
  const auto heads = m.seen();
  ASSERT_EQ(heads.size(), 2u);
  EXPECT_NE(heads[0].find("Authorization: Bearer stale\r\n"), std::string::npos);
  EXPECT_NE(heads[1].find("Authorization: Bearer fresh\r\n"), std::string::npos);
  EXPECT_EQ(asked.load(), 2);
}

TEST_P(CallPoolTest, ClosingCompletesWaitingCallsWithTheReasonAndRefusesLaterOnes) {
  start();
  auto waiting = send("ping");
  on_strand([](call_pool& pool) { pool.close(make_error_code(error::aborted), "stopped by the test"); });
  auto r = get(waiting);
  EXPECT_EQ(r.error, make_error_code(error::aborted));
  EXPECT_NE(r.message.find("before the call was sent: stopped by the test"), std::string::npos) << r.message;
  auto later = send("ping");
  r = get(later);
  EXPECT_EQ(r.error, make_error_code(error::aborted));
  EXPECT_NE(r.message.find("stopped by the test"), std::string::npos) << r.message;
}

TEST_P(CallPoolTest, ACallTheApiLayerRefusesIsNeverSent) {
  auto& m = serve({answer(202, "Accepted")});
  start();
  subscribe(m.master.url(), "s", 1);
  auto f = send("ping", true, "not a call of this API");
  const auto r = get(f);
  EXPECT_EQ(r.error, make_error_code(error::invalid_argument));
  EXPECT_EQ(r.message, "not a call of this API");
  EXPECT_EQ(m.master.requests(), 0u);
}

TEST_P(CallPoolTest, AnHttpsMasterWithoutAUsableTlsConfigurationIsNeverSentPlainText) {
  auto& m = serve({answer(202, "Accepted")});
  tls_config unreadable_ca;
  unreadable_ca.ca_file = "/nonexistent/ca.pem";
  tls_ = detail::tls_client(unreadable_ca);
  call_pool::settings s;
  s.call_timeout = 1s;
  start(s);
  subscribe("https://127.0.0.1:" + std::to_string(m.master.port()), "s", 1);
  auto f = send("ping");
  const auto r = get(f);
  EXPECT_EQ(r.error, make_error_code(error::call_timeout)) << r.message;
  EXPECT_EQ(m.master.requests(), 0u);
  EXPECT_NE(tls_.error().find("TLS configuration"), std::string::npos) << tls_.error();
}

INSTANTIATE_TEST_SUITE_P(Encodings, CallPoolTest, ::testing::Values(encoding::protobuf, encoding::json),
                         [](const ::testing::TestParamInfo<encoding>& p) {
                           return p.param == encoding::json ? "json" : "protobuf";
                         });

}  // namespace
}  // namespace mesoshttp::test
