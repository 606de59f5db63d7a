// The scheduler client against scripted peers, over real sockets on
// 127.0.0.1, in both encodings: the answers a well-behaved simulator never
// gives (every 307 form, redirect loops, hostile heads and streams, call
// failures produced exactly).
#include "mesoshttp/client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/sim/cluster.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/recordio.hpp"
#include "support/client_support.hpp"
#include "support/scripted_master.hpp"

namespace {

using namespace mesoshttp::test;

// ---------------------------------------------------------------------------
// Answers only a scripted peer gives.

std::string redirect_to(const std::string& location) {
  return "HTTP/1.1 307 Temporary Redirect\r\nLocation: " + location + "\r\nContent-Length: 0\r\n\r\n";
}

class ClientScripted : public ::testing::TestWithParam<encoding> {};

TEST_P(ClientScripted, FollowsAnAbsoluteRedirect) {
  mesoshttp::sim::cluster sim(sim_config());
  sim.start();
  mesoshttp::test::scripted_master redirector(
      [&](std::size_t, const std::string&) { return redirect_to(sim.url(0) + "/api/v1/scheduler"); });
  scheduler_client client(base_config(GetParam(), {redirector.url()}));
  auto events = client.events();
  client.start();
  auto sub = wait_for(events, is_kind(kind::subscribed));
  EXPECT_NE(sub.master.find(std::to_string(sim.port(0))), std::string::npos);
}

TEST_P(ClientScripted, ARedirectLoopIsReportedAndRetried) {
  // Each master's script names the other by port only, never through the
  // other object: a request the client wrote just before it was destroyed is
  // still answered while the masters are torn down, and must not touch a
  // master that is already gone.
  std::atomic<unsigned short> b_port{0};
  mesoshttp::test::scripted_master a([&b_port](std::size_t, const std::string&) {
    return redirect_to("//127.0.0.1:" + std::to_string(b_port.load()) + "/master/api/v1/scheduler");
  });
  mesoshttp::test::scripted_master b([a_authority = a.url().substr(7)](std::size_t, const std::string&) {
    return redirect_to("//" + a_authority + "/master/api/v1/scheduler");
  });
  b_port = b.port();
  scheduler_client client(base_config(GetParam(), {a.url()}));
  auto events = client.events();
  client.start();
  auto first = wait_for(
      events, [](const client_event& e) { return e.type == kind::disconnected && e.error == error::redirect_loop; });
  EXPECT_NE(first.message.find("already visited"), std::string::npos) << first.message;
  // It keeps trying (with backoff), it does not give up or spin.
  wait_for(events,
           [](const client_event& e) { return e.type == kind::disconnected && e.error == error::redirect_loop; });
}

TEST_P(ClientScripted, HostileAnswersGiveClearErrorsAndNoCrash) {
  const std::vector<std::string> answers = {
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: "
      "chunked\r\n\r\n5\r\n1\nab\n\r\n",  // no
                                          // stream
                                          // id
      "HTTP/1.1 200 OK\r\nMesos-Stream-Id: x\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi",
      "garbage garbage\r\n\r\n",
      "HTTP/1.1 200 OK\r\nMesos-Stream-Id: x\r\nContent-Type: application/json\r\nTransfer-Encoding: "
      "chunked\r\n\r\n"
      "14\r\n99999999999999999999\r\n",  // a length that overflows
      "HTTP/1.1 200 OK\r\nMesos-Stream-Id: x\r\nContent-Type: application/json\r\nTransfer-Encoding: "
      "chunked\r\n\r\n"
      "8\r\n6\n{\"ty\"\r\n",                                           // a record that is not an event
      "HTTP/1.1 307 Temporary Redirect\r\nContent-Length: 0\r\n\r\n",  // no Location
  };
  for (const auto& answer : answers) {
    mesoshttp::test::scripted_master peer([&](std::size_t, const std::string&) { return answer; });
    {
      auto cfg = base_config(GetParam(), {peer.url()});
      scheduler_client client(cfg);
      auto events = client.events();
      client.start();
      auto lost = wait_for(events, is_kind(kind::disconnected));
      EXPECT_TRUE(lost.error) << answer;
      EXPECT_NE(lost.message.find("127.0.0.1"), std::string::npos) << lost.message;
    }
  }
}

// A refusal's body is read only to quote it, so only up to a limit: a body
// announced as 2.5 TB is neither allocated nor read (found by fuzzing: Beast's
// string body reserves the announced length).
TEST_P(ClientScripted, ARefusalAnnouncingAHugeBodyIsNotRead) {
  for (const std::string status : {"503 Service Unavailable", "400 Bad Request"}) {
    mesoshttp::test::scripted_master peer([&](std::size_t, const std::string&) {
      return "HTTP/1.1 " + status + "\r\nContent-Length: 2505150515050\r\n\r\nnot all of it";
    });
    scheduler_client client(base_config(GetParam(), {peer.url()}));
    auto events = client.events();
    client.start();
    const bool retryable = status.starts_with("503");
    auto refused = wait_for(events, is_kind(retryable ? kind::disconnected : kind::closed));
    EXPECT_EQ(refused.error, error::subscribe_rejected) << refused.message;
    EXPECT_NE(
        refused.message.find("answered SUBSCRIBE with " + status + " and a body of 2505150515050 bytes (not read)"),
        std::string::npos)
        << refused.message;
    if (retryable) {
      // And it tries again, as after any 503.
      wait_for(events, [](const client_event& e) {
        return e.type == kind::disconnected && e.error == error::subscribe_rejected;
      });
    }
  }
}

// A real master's JSON writer passes a string's bytes through as they are; an
// executor's status message that is not UTF-8 reaches a JSON subscriber raw.
// The event is delivered, those bytes read as '?', instead of breaking the
// stream (which would resend the same update, and break it again, forever).
TEST(ClientJson, AnEventWithRawBytesThatAreNotUtf8IsDeliveredWithQuestionMarks) {
  const auto record = [](const std::string& json) { return std::to_string(json.size()) + "\n" + json; };
  const std::string body =
      record(
          R"({"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"fw-1"},"heartbeat_interval_seconds":15}})") +
      record(
          "{\"type\":\"UPDATE\",\"update\":{\"status\":{\"task_id\":{\"value\":\"t1\"},"
          "\"state\":\"TASK_FAILED\",\"message\":\"exit \xff\xfe status\"}}}");
  std::ostringstream chunk;
  chunk << std::hex << body.size() << "\r\n" << body << "\r\n";
  mesoshttp::test::scripted_master peer(
      mesoshttp::test::scripted_master::reply_script([&](std::size_t index, const std::string&) {
        if (index > 0)
          return mesoshttp::test::scripted_master::reply{"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", true};
        return mesoshttp::test::scripted_master::reply{
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nMesos-Stream-Id: s-1\r\n"
            "Transfer-Encoding: chunked\r\n\r\n" +
                chunk.str(),
            true};
      }));
  scheduler_client client(base_config(encoding::json, {peer.url()}));
  auto events = client.events();
  client.start();
  std::vector<client_event> seen;
  auto update = wait_for(events, is_event(Event::UPDATE), &seen);
  EXPECT_EQ(update.event->update().status().message(), "exit ?? status");
  for (const auto& item : seen) EXPECT_NE(item.type, kind::disconnected) << item.message;
}

TEST_P(ClientScripted, ConnectionRefusedIsRetriedUntilMaxAttempts) {
  // A port nothing listens on: bind, read the port, close.
  unsigned short port;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acc(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = acc.local_endpoint().port();
  }
  auto cfg = base_config(GetParam(), {"http://127.0.0.1:" + std::to_string(port)});
  cfg.reconnect.max_attempts = 3;
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  auto closed = wait_for(events, is_kind(kind::closed));
  EXPECT_EQ(closed.error, error::reconnect_attempts_exhausted);
  auto r = send_and_wait(client, mesoshttp::calls::revive());
  EXPECT_EQ(r.error, error::reconnect_attempts_exhausted);
}

TEST_P(ClientScripted, NoMasterIsAConfigurationError) {
  auto cfg = base_config(GetParam(), {});
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  auto closed = wait_for(events, is_kind(kind::closed));
  EXPECT_EQ(closed.error, error::invalid_configuration);
  EXPECT_EQ(closed.message, "no master configured");
}

TEST_P(ClientScripted, WaitsThatEndWithoutAnItemSayWhy) {
  scheduler_client client(base_config(GetParam(), {}));  // never started: no item comes
  auto events = client.events();
  std::error_code ec;
  EXPECT_FALSE(events.next(10ms, &ec));
  EXPECT_EQ(ec, error::wait_timeout);
  // One reader at a time: a second wait while one is pending is refused.
  std::promise<std::error_code> first, second;
  events.async_next([&first](std::error_code e, client_event) { first.set_value(e); });
  events.async_next([&second](std::error_code e, client_event) { second.set_value(e); });
  auto refused = second.get_future();
  ASSERT_EQ(refused.wait_for(deadline), std::future_status::ready);
  EXPECT_EQ(refused.get(), error::concurrent_wait);
  // The pending one ends when the stream is detached.
  auto pending = first.get_future();
  events.detach();
  ASSERT_EQ(pending.wait_for(deadline), std::future_status::ready);
  EXPECT_EQ(pending.get(), error::detached);
  EXPECT_FALSE(events.next(1ms, &ec));
  EXPECT_EQ(ec, error::not_attached);
}

TEST_P(ClientScripted, InvalidMasterUrlClosesWithTheReason) {
  auto cfg = base_config(GetParam(), {"ftp://127.0.0.1:21"});
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  auto closed = wait_for(events, is_kind(kind::closed));
  EXPECT_EQ(closed.error, error::invalid_master_url);
  EXPECT_NE(closed.message.find("ftp"), std::string::npos);
}

// A scripted master that speaks the real protocol for SUBSCRIBE (a chunked
// RecordIO stream opening with SUBSCRIBED) and answers calls as `on_call`
// says, so call-path failures can be produced exactly.
class scheduler_peer {
 public:
  using call_policy = std::function<mesoshttp::test::scripted_master::reply(std::size_t call_index)>;

  scheduler_peer(encoding wire, call_policy on_call)
      : wire_(wire),
        on_call_(std::move(on_call)),
        master_([this](std::size_t, const std::string& head) { return answer(head); }) {}

  std::string url() const { return master_.url(); }
  std::size_t subscribes() const { return subscribes_.load(); }
  std::size_t calls() const { return calls_.load(); }

  static mesoshttp::test::scripted_master::reply status(unsigned code, const std::string& text,
                                                        const std::string& body) {
    return {"HTTP/1.1 " + std::to_string(code) + " " + text +
                "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n\r\n" + body,
            true};
  }
  static mesoshttp::test::scripted_master::reply drop() { return {"", false}; }

 private:
  mesoshttp::test::scripted_master::reply answer(const std::string& head) {
    if (head.find("Mesos-Stream-Id") != std::string::npos) return on_call_(calls_++);
    const auto n = ++subscribes_;
    Event subscribed;
    subscribed.set_type(Event::SUBSCRIBED);
    subscribed.mutable_subscribed()->mutable_framework_id()->set_value("fw-scripted");
    subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(15);
    std::string record;
    EXPECT_FALSE(mesoshttp::encode(subscribed, wire_, record));
    const std::string framed = mesoshttp::recordio::encode(record);
    char size[32];
    std::snprintf(size, sizeof size, "%zx", framed.size());
    return {"HTTP/1.1 200 OK\r\nContent-Type: " + std::string(mesoshttp::content_type(wire_)) +
                "\r\nMesos-Stream-Id: stream-" + std::to_string(n) + "\r\nTransfer-Encoding: chunked\r\n\r\n" + size +
                "\r\n" + framed + "\r\n",
            true};
  }

  encoding wire_;
  call_policy on_call_;
  std::atomic<std::size_t> subscribes_{0}, calls_{0};
  mesoshttp::test::scripted_master master_;
};

TEST_P(ClientScripted, AcceptIsNeverRetriedButIdempotentCallsAre) {
  // Calls 0 and 1 lose their connection before any answer; later ones get 202.
  scheduler_peer peer(GetParam(), [](std::size_t i) {
    return i < 2 ? scheduler_peer::drop() : scheduler_peer::status(202, "Accepted", "");
  });
  {
    scheduler_client client(base_config(GetParam(), {peer.url()}));
    auto events = client.events();
    client.start();
    wait_for(events, is_kind(kind::subscribed));

    auto accept = send_and_wait(client, mesoshttp::calls::accept(std::vector<std::string>{"offer-1"}, {}));
    EXPECT_EQ(accept.error, error::connection_lost) << accept.message;
    EXPECT_EQ(accept.attempts, 1u);  // an ACCEPT sent twice could launch twice

    auto revive = send_and_wait(client, mesoshttp::calls::revive());
    EXPECT_TRUE(revive) << revive.message;
    EXPECT_EQ(revive.status, 202u);
    EXPECT_EQ(revive.attempts, 2u);
    EXPECT_EQ(peer.calls(), 3u);
    EXPECT_EQ(peer.subscribes(), 1u);  // a broken call connection is not a lost subscription
  }
}

TEST_P(ClientScripted, A403OnACallMeansResubscribe) {
  scheduler_peer peer(GetParam(), [](std::size_t i) {
    return i == 0 ? scheduler_peer::status(403, "Forbidden", "Framework is not subscribed")
                  : scheduler_peer::status(202, "Accepted", "");
  });
  {
    scheduler_client client(base_config(GetParam(), {peer.url()}));
    auto events = client.events();
    client.start();
    wait_for(events, is_kind(kind::subscribed));
    auto revive = send_and_wait(client, mesoshttp::calls::revive());
    EXPECT_TRUE(revive) << revive.message;
    EXPECT_EQ(revive.attempts, 2u);
    auto lost = wait_for(events, is_kind(kind::disconnected));
    EXPECT_EQ(lost.error, error::not_subscribed);
    wait_for(events, is_kind(kind::subscribed));
    EXPECT_EQ(peer.subscribes(), 2u);
  }
}

TEST_P(ClientScripted, AStreamIdRejectionFailsAnAcceptWithTheMastersWordsAndResubscribes) {
  const std::string text =
      "The stream ID 'stream-1' included in this request didn't match the stream ID currently associated with "
      "framework ID 'fw-scripted'";
  scheduler_peer peer(GetParam(), [&](std::size_t i) {
    return i == 0 ? scheduler_peer::status(400, "Bad Request", text) : scheduler_peer::status(202, "Accepted", "");
  });
  {
    scheduler_client client(base_config(GetParam(), {peer.url()}));
    auto events = client.events();
    client.start();
    wait_for(events, is_kind(kind::subscribed));
    auto accept = send_and_wait(client, mesoshttp::calls::accept(std::vector<std::string>{"offer-1"}, {}));
    EXPECT_EQ(accept.error, error::call_rejected);
    EXPECT_EQ(accept.status, 400u);
    EXPECT_EQ(accept.body, text);
    EXPECT_NE(accept.message.find("didn't match"), std::string::npos) << accept.message;
    wait_for(events, is_kind(kind::disconnected));
    wait_for(events, is_kind(kind::subscribed));
    EXPECT_EQ(peer.subscribes(), 2u);
  }
}

TEST_P(ClientScripted, CallTimeoutIsReportedWithTheCallAndTheMaster) {
  // The call is read and never answered: the connection stays open, silent.
  scheduler_peer peer(GetParam(), [](std::size_t) { return mesoshttp::test::scripted_master::reply{"", true}; });
  {
    auto cfg = base_config(GetParam(), {peer.url()});
    cfg.call_timeout = 300ms;
    scheduler_client client(cfg);
    auto events = client.events();
    client.start();
    wait_for(events, is_kind(kind::subscribed));
    auto r = send_and_wait(client, mesoshttp::calls::accept(std::vector<std::string>{"offer-1"}, {}));
    EXPECT_EQ(r.error, error::call_timeout);
    EXPECT_NE(r.message.find("ACCEPT"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("127.0.0.1"), std::string::npos) << r.message;
  }
}

// A master (or a proxy) that breaks every stream right after SUBSCRIBED: each
// SUBSCRIBED used to reset the budget, so the client resubscribed about 8 times
// a second for ever. A subscription now counts as healthy only once it has
// lasted (reconnect.healthy_after, by default one heartbeat interval).
class stream_breaker {
 public:
  // Every SUBSCRIBE gets SUBSCRIBED and then, `after` later, a corrupt RecordIO length.
  stream_breaker(encoding wire, std::chrono::milliseconds after)
      : master_(mesoshttp::test::scripted_master::reply_script([this, wire, after](std::size_t,
                                                                                   const std::string& head) {
          if (head.find("Mesos-Stream-Id") != std::string::npos) {
            return mesoshttp::test::scripted_master::reply{"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", true};
          }
          ++subscribes_;
          Event subscribed;
          subscribed.set_type(Event::SUBSCRIBED);
          subscribed.mutable_subscribed()->mutable_framework_id()->set_value("fw-broken");
          subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(15);
          std::string record;
          EXPECT_FALSE(mesoshttp::encode(subscribed, wire, record));
          return mesoshttp::test::scripted_master::reply{
              "HTTP/1.1 200 OK\r\nContent-Type: " + std::string(mesoshttp::content_type(wire)) +
                  "\r\nMesos-Stream-Id: s\r\nTransfer-Encoding: chunked\r\n\r\n" +
                  chunk(mesoshttp::recordio::encode(record)),
              false, chunk("x\n"), after};
        })) {}

  std::string url() const { return master_.url(); }
  std::size_t subscribes() const { return subscribes_.load(); }

 private:
  static std::string chunk(const std::string& data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx", data.size());
    return size + std::string("\r\n") + data + "\r\n";
  }
  std::atomic<std::size_t> subscribes_{0};
  mesoshttp::test::scripted_master master_;
};

TEST_P(ClientScripted, AMasterThatBreaksEveryStreamRightAfterSubscribedUsesUpTheBudget) {
  stream_breaker master(GetParam(), 0ms);
  auto cfg = base_config(GetParam(), {master.url()});
  cfg.reconnect.max_attempts = 3;
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  std::vector<client_event> seen;
  auto closed = wait_for(events, is_kind(kind::closed), &seen);
  EXPECT_EQ(closed.error, error::reconnect_attempts_exhausted) << closed.message;
  EXPECT_EQ(closed.message, "gave up after 3 reconnect attempts");
  EXPECT_EQ(master.subscribes(), 4u);
  std::size_t subscribed = 0, broken = 0;
  for (const auto& item : seen) {
    if (item.type == kind::subscribed) ++subscribed;
    if (item.type == kind::disconnected && item.error == error::recordio_bad_length) {
      ++broken;
      // Said once, not twice.
      EXPECT_EQ(item.message.find("RecordIO"), item.message.rfind("RecordIO")) << item.message;
    }
  }
  EXPECT_EQ(subscribed, 4u);
  EXPECT_EQ(broken, 4u);
}

TEST_P(ClientScripted, ASubscriptionThatLastedIsHealthyAndItsLossDoesNotCount) {
  stream_breaker master(GetParam(), 300ms);
  auto cfg = base_config(GetParam(), {master.url()});
  cfg.reconnect.max_attempts = 1;
  cfg.reconnect.healthy_after = 100ms;
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  // Every stream lasts 300 ms: each loss is a leader change, never a failure,
  // so a budget of one is never used up.
  for (int i = 0; i < 4; ++i) {
    auto item =
        wait_for(events, [](const client_event& e) { return e.type == kind::disconnected || e.type == kind::closed; });
    ASSERT_EQ(item.type, kind::disconnected) << item.message;
    EXPECT_EQ(item.error, error::recordio_bad_length) << item.message;
  }
  EXPECT_EQ(client.state() == connection_state::closed, false);
}

TEST_P(ClientScripted, ByDefaultASubscriptionIsHealthyAfterOneHeartbeatInterval) {
  // SUBSCRIBED announces 15 s; streams that break after 300 ms are failures.
  stream_breaker master(GetParam(), 300ms);
  auto cfg = base_config(GetParam(), {master.url()});
  cfg.reconnect.max_attempts = 1;
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  auto closed = wait_for(events, is_kind(kind::closed));
  EXPECT_EQ(closed.error, error::reconnect_attempts_exhausted) << closed.message;
  EXPECT_EQ(master.subscribes(), 2u);
}

TEST_P(ClientScripted, GiveUpAfterBoundsTheTimeWithoutASubscription) {
  unsigned short port;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acc(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = acc.local_endpoint().port();
  }
  auto cfg = base_config(GetParam(), {"http://127.0.0.1:" + std::to_string(port)});
  cfg.reconnect.give_up_after = 500ms;
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  auto closed = wait_for(events, is_kind(kind::closed));
  EXPECT_EQ(closed.error, error::reconnect_attempts_exhausted);
  EXPECT_NE(closed.message.find("no subscription for"), std::string::npos) << closed.message;
}

INSTANTIATE_TEST_SUITE_P(Encodings, ClientScripted, ::testing::Values(encoding::protobuf, encoding::json),
                         [](const auto& p) { return std::string(mesoshttp::to_string(p.param)); });

}  // namespace
