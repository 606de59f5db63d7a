// The operator event stream client over real sockets on 127.0.0.1, in both
// encodings: a scripted master replays the streams a real Mesos 1.11.0 master
// sent (../shared/mesos-api/captures/operator-session-*), and plays the
// answers a well-behaved simulator never gives (a 307 to another master, a
// recovering 503, a cut stream, an undecodable record, silence after
// SUBSCRIBED).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mesoshttp/codec.hpp"
#include "mesoshttp/error.hpp"
#include "mesoshttp/operator/event_client.hpp"
#include "mesoshttp/recordio.hpp"
#include "../support/scripted_master.hpp"

namespace {

using namespace std::chrono_literals;
using namespace mesoshttp::operator_api;
namespace master = mesos::v1::master;
using mesoshttp::encoding;
using mesoshttp::test::scripted_master;
using kind = stream_item::kind;

const std::filesystem::path kCaptures = std::filesystem::path(MESOSHTTP_SHARED_DIR) / "captures";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string wire_content_type(encoding wire) {
  return wire == encoding::json ? "application/json" : "application/x-protobuf";
}

// A chunked stream head, then `records` as RecordIO in chunks of `chunk` bytes.
std::string stream_head(encoding wire) {
  return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: " + wire_content_type(wire) + "\r\n\r\n";
}
std::string chunked(const std::string& bytes, std::size_t chunk = 4096) {
  std::string out;
  for (std::size_t at = 0; at < bytes.size(); at += chunk) {
    const auto piece = bytes.substr(at, chunk);
    std::ostringstream size;
    size << std::hex << piece.size();
    out += size.str() + "\r\n" + piece + "\r\n";
  }
  return out;
}
std::string record(const master::Event& event, encoding wire) {
  std::string body;
  std::string why;
  EXPECT_FALSE(mesoshttp::encode(event, wire, body, &why)) << why;
  return mesoshttp::recordio::encode(body);
}
master::Event subscribed_event(double heartbeat_seconds, const std::string& agent_id = "a1") {
  master::Event e;
  e.set_type(master::Event::SUBSCRIBED);
  e.mutable_subscribed()->set_heartbeat_interval_seconds(heartbeat_seconds);
  auto* agent = e.mutable_subscribed()->mutable_get_state()->mutable_get_agents()->add_agents();
  agent->mutable_agent_info()->set_hostname("127.0.0.1");
  agent->mutable_agent_info()->mutable_id()->set_value(agent_id);
  agent->set_active(true);
  agent->set_version("1.11.0");
  return e;
}
master::Event heartbeat_event() {
  master::Event e;
  e.set_type(master::Event::HEARTBEAT);
  return e;
}
std::string http_answer(const std::string& status, const std::string& extra, const std::string& body) {
  return "HTTP/1.1 " + status + "\r\n" + extra + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class EventClientTest : public ::testing::TestWithParam<encoding> {
 protected:
  ~EventClientTest() override {
    // Closed before the scripted masters go: they wait for the client to
    // hang up its streams.
    if (client) {
      client->shutdown();
      for (int i = 0; i < 500 && client->state() != mesoshttp::connection_state::closed; ++i)
        std::this_thread::sleep_for(10ms);
    }
    reader.detach();
    client.reset();
    io.stop();
    if (runner.joinable()) runner.join();
  }

  // A scripted master that outlives the client.
  scripted_master& serve(scripted_master::reply_script script) {
    masters_.push_back(std::make_unique<scripted_master>(std::move(script)));
    return *masters_.back();
  }
  scripted_master& serve_plain(scripted_master::script script) {
    masters_.push_back(std::make_unique<scripted_master>(std::move(script)));
    return *masters_.back();
  }

  void make(std::vector<std::string> masters, std::shared_ptr<cluster_mirror> mirror = nullptr,
            unsigned tolerance = 5) {
    event_client_config config;
    config.masters = std::move(masters);
    config.wire = GetParam();
    config.mirror = std::move(mirror);
    config.heartbeat_tolerance = tolerance;
    config.reconnect.initial_wait = 10ms;
    config.reconnect.max_wait = 50ms;
    client = std::make_unique<event_client>(io.get_executor(), std::move(config));
    reader = client->events();
    client->start();
    runner = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io);
      io.run();
    });
  }

  // The next item of kind `k`, skipping others; fails the test after 10 s.
  stream_item next_of(kind k) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until) {
      std::error_code ec;
      auto item = reader.next(200ms, &ec);
      if (ec == mesoshttp::error::wait_timeout) continue;
      if (ec) {
        ADD_FAILURE() << "stream ended: " << ec.message();
        return {};
      }
      if (item && item->type == k) return *item;
    }
    ADD_FAILURE() << "no item of kind " << static_cast<int>(k) << " within 10 s";
    return {};
  }
  // The next event (kind::event), skipping connection items.
  master::Event next_event() {
    auto item = next_of(kind::event);
    return item.event ? *item.event : master::Event{};
  }

  std::vector<std::unique_ptr<scripted_master>> masters_;  // first: destroyed last
  boost::asio::io_context io;
  std::unique_ptr<event_client> client;
  event_reader reader;
  std::thread runner;
};

// ---------------------------------------------------------------- a real master's streams
TEST_P(EventClientTest, DeliversARealMastersStreamAndKeepsTheMirror) {
  const auto body_path = kCaptures / ("operator-session-" + std::string(mesoshttp::to_string(GetParam())) + ".body");
  if (!std::filesystem::exists(body_path)) GTEST_SKIP() << "../shared/mesos-api not found: no " << body_path;
  const std::string body = read_file(body_path);

  // What the stream holds, decoded here independently, and a mirror fed it directly.
  std::vector<master::Event> expected;
  mesoshttp::recordio::decoder decoder(std::size_t{1} << 30);
  ASSERT_FALSE(decoder.feed(body, [&](std::string_view r) {
    master::Event e;
    ASSERT_FALSE(mesoshttp::decode(r, GetParam(), e));
    expected.push_back(std::move(e));
  }));
  ASSERT_GE(expected.size(), 9u);
  cluster_mirror direct;
  for (const auto& e : expected) direct.apply(e);

  std::string request_head;
  auto& m = serve(scripted_master::reply_script([&](std::size_t i, const std::string& head) {
    if (i == 0) request_head = head;
    // Small chunks: records split across chunks and reads.
    return scripted_master::reply{stream_head(GetParam()) + chunked(body, 1000), true};
  }));
  auto mirror = std::make_shared<cluster_mirror>();
  make({m.url()}, mirror);

  EXPECT_EQ(next_of(kind::connecting).master, m.url() + "/api/v1");
  EXPECT_EQ(next_of(kind::subscribed).master, m.url() + "/api/v1");
  for (const auto& want : expected) {
    const auto got = next_event();
    EXPECT_EQ(got.SerializeAsString(), want.SerializeAsString()) << master::Event::Type_Name(want.type());
  }
  // The request: a SUBSCRIBE call to /api/v1 in the configured encoding.
  EXPECT_EQ(request_head.rfind("POST /api/v1 HTTP/1.1\r\n", 0), 0u) << request_head;
  EXPECT_NE(request_head.find("Accept: " + wire_content_type(GetParam())), std::string::npos) << request_head;
  ASSERT_FALSE(m.bodies().empty());
  master::Call sent;
  ASSERT_FALSE(mesoshttp::decode(m.bodies()[0], GetParam(), sent));
  EXPECT_EQ(sent.type(), master::Call::SUBSCRIBE);

  // The mirror was kept event by event, before each event reached a consumer.
  EXPECT_TRUE(mirror->current());
  EXPECT_EQ(mirror->counters().events, expected.size());
  ASSERT_EQ(mirror->tasks().size(), direct.tasks().size());
  ASSERT_EQ(mirror->frameworks().size(), direct.frameworks().size());
  ASSERT_EQ(mirror->agents().size(), direct.agents().size());
  for (std::size_t i = 0; i < direct.tasks().size(); ++i) {
    EXPECT_EQ(mirror->tasks()[i].task_id, direct.tasks()[i].task_id);
    EXPECT_EQ(mirror->tasks()[i].state, direct.tasks()[i].state);
  }
  EXPECT_EQ(client->state(), mesoshttp::connection_state::subscribed);
}

// ---------------------------------------------------------------- losses and leaders
TEST_P(EventClientTest, ACutStreamMarksTheMirrorStaleAndTheNextSubscribedReplacesIt) {
  auto& m = serve(scripted_master::reply_script([&](std::size_t i, const std::string&) {
    const auto wire = GetParam();
    if (i == 0) return scripted_master::reply{stream_head(wire) + chunked(record(subscribed_event(15, "old"), wire))};
    return scripted_master::reply{stream_head(wire) + chunked(record(subscribed_event(15, "new"), wire)), true};
  }));
  auto mirror = std::make_shared<cluster_mirror>();
  make({m.url()}, mirror);

  EXPECT_EQ(next_event().subscribed().get_state().get_agents().agents(0).agent_info().id().value(), "old");
  const auto lost = next_of(kind::disconnected);
  EXPECT_TRUE(lost.error) << "a disconnection says why";
  EXPECT_FALSE(lost.message.empty());
  // The second SUBSCRIBED: the mirror holds its state only.
  EXPECT_EQ(next_event().subscribed().get_state().get_agents().agents(0).agent_info().id().value(), "new");
  EXPECT_TRUE(mirror->current());
  ASSERT_EQ(mirror->agents().size(), 1u);
  EXPECT_EQ(mirror->agents()[0].id, "new");
  EXPECT_EQ(m.requests(), 2u);
}

TEST_P(EventClientTest, FollowsAProtocolRelativeRedirectToTheLeader) {
  auto& leader = serve(scripted_master::reply_script([&](std::size_t, const std::string&) {
    return scripted_master::reply{stream_head(GetParam()) + chunked(record(subscribed_event(15), GetParam())), true};
  }));
  auto& follower = serve_plain([&](std::size_t, const std::string&) {
    return http_answer("307 Temporary Redirect",
                       "Location: //127.0.0.1:" + std::to_string(leader.port()) + "/api/v1\r\n", "");
  });
  make({follower.url()});
  EXPECT_EQ(next_of(kind::subscribed).master, leader.url() + "/api/v1");
  EXPECT_EQ(next_event().type(), master::Event::SUBSCRIBED);
  EXPECT_EQ(client->master(), leader.url() + "/api/v1");
}

TEST_P(EventClientTest, RetriesARecoveringMaster) {
  auto& m = serve(scripted_master::reply_script([&](std::size_t i, const std::string&) {
    if (i < 2)
      return scripted_master::reply{http_answer("503 Service Unavailable", "", "Master has not finished recovery")};
    return scripted_master::reply{stream_head(GetParam()) + chunked(record(subscribed_event(15), GetParam())), true};
  }));
  make({m.url()});
  EXPECT_EQ(next_event().type(), master::Event::SUBSCRIBED);
  EXPECT_EQ(m.requests(), 3u);
}

TEST_P(EventClientTest, AnUndecodableEventEndsTheStreamWithAReasonAndTheClientSubscribesAgain) {
  auto& m = serve(scripted_master::reply_script([&](std::size_t i, const std::string&) {
    const auto wire = GetParam();
    if (i == 0) {
      // A record that is no Event in either encoding.
      return scripted_master::reply{
          stream_head(wire) + chunked(record(subscribed_event(15), wire) + mesoshttp::recordio::encode("\xff\xff{")),
          true};
    }
    return scripted_master::reply{stream_head(wire) + chunked(record(subscribed_event(15), wire)), true};
  }));
  make({m.url()});
  EXPECT_EQ(next_event().type(), master::Event::SUBSCRIBED);
  const auto lost = next_of(kind::disconnected);
  EXPECT_NE(lost.message.find("undecodable operator event"), std::string::npos) << lost.message;
  EXPECT_EQ(next_event().type(), master::Event::SUBSCRIBED);
}

TEST_P(EventClientTest, ASilentStreamIsLostAfterTheHeartbeatsItPromised) {
  // SUBSCRIBED announces heartbeats every 0.2 s, then nothing comes.
  auto& m = serve(scripted_master::reply_script([&](std::size_t, const std::string&) {
    return scripted_master::reply{stream_head(GetParam()) + chunked(record(subscribed_event(0.2), GetParam()) +
                                                                    record(heartbeat_event(), GetParam())),
                                  true};
  }));
  make({m.url()}, nullptr, 1);
  EXPECT_EQ(next_event().type(), master::Event::SUBSCRIBED);
  EXPECT_EQ(next_event().type(), master::Event::HEARTBEAT);
  const auto lost = next_of(kind::disconnected);
  EXPECT_EQ(lost.error, mesoshttp::error::heartbeat_timeout) << lost.message;
}

// ---------------------------------------------------------------- configuration and the end
TEST_P(EventClientTest, ARefusedConfigurationClosesAtOnceWithItsReason) {
  for (const std::vector<std::string>& masters :
       {std::vector<std::string>{}, std::vector<std::string>{"zk://127.0.0.1:2181/mesos"},
        std::vector<std::string>{"ftp://127.0.0.1"}}) {
    boost::asio::io_context local;
    event_client_config config;
    config.masters = masters;
    config.wire = GetParam();
    event_client c(local.get_executor(), std::move(config));
    EXPECT_FALSE(c.config_error().empty());
    auto r = c.events();
    c.start();
    local.run_for(1s);
    std::error_code ec;
    auto item = r.next(1s, &ec);
    ASSERT_TRUE(item.has_value()) << ec.message();
    EXPECT_EQ(item->type, kind::closed);
    EXPECT_EQ(item->error, mesoshttp::error::invalid_configuration);
    EXPECT_EQ(item->message, c.config_error());
    EXPECT_EQ(c.state(), mesoshttp::connection_state::closed);
  }
}

TEST_P(EventClientTest, ShutdownEndsEveryConsumerAfterTheClosedItem) {
  auto& m = serve(scripted_master::reply_script([&](std::size_t, const std::string&) {
    return scripted_master::reply{stream_head(GetParam()) + chunked(record(subscribed_event(15), GetParam())), true};
  }));
  std::vector<kind> seen;
  std::mutex seen_mutex;
  make({m.url()});
  auto callback = client->on_event([&](const stream_item& item) {
    std::lock_guard lock(seen_mutex);
    seen.push_back(item.type);
  });
  EXPECT_EQ(next_event().type(), master::Event::SUBSCRIBED);
  client->shutdown();
  const auto closed = next_of(kind::closed);
  EXPECT_FALSE(closed.error);
  std::error_code ec;
  EXPECT_FALSE(reader.next(1s, &ec).has_value());
  EXPECT_EQ(ec, mesoshttp::error::shut_down);
  // The callback consumer gets `closed` too, last (on the client's thread,
  // which may run it just after the reader woke).
  const auto last_seen = [&] {
    std::lock_guard lock(seen_mutex);
    return seen.empty() ? kind::event : seen.back();
  };
  for (int i = 0; i < 500 && last_seen() != kind::closed; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(last_seen(), kind::closed);
}

INSTANTIATE_TEST_SUITE_P(BothEncodings, EventClientTest, ::testing::Values(encoding::protobuf, encoding::json),
                         [](const auto& p) { return std::string(mesoshttp::to_string(p.param)); });

}  // namespace
