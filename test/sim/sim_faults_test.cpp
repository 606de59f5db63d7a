// Several masters, leader changes, restarts and injected faults, over real
// HTTP on 127.0.0.1.
#include <boost/asio/error.hpp>

#include "sim_common.hpp"

namespace {

using namespace simtest;
using mesoshttp::sim::cluster;
using mesoshttp::sim::flood_shape;

std::unique_ptr<cluster> make(std::size_t masters) {
  auto cfg = fast_config();
  cfg.masters = masters;
  cfg.restart_not_found = std::chrono::milliseconds(300);
  cfg.recovery_time = std::chrono::milliseconds(1000);
  auto c = std::make_unique<cluster>(cfg);
  c->start();
  return c;
}

TEST(SimMasters, NonLeadersRedirectWithTheExactForm) {
  auto sim = make(3);
  ASSERT_EQ(sim->size(), 3u);
  ASSERT_EQ(sim->leader(), std::optional<std::size_t>(0));
  EXPECT_EQ(sim->url(0), "http://127.0.0.1:" + std::to_string(sim->port(0)));
  const std::string location = "//127.0.0.1:" + std::to_string(sim->port(0)) + "/master/api/v1/scheduler";
  for (std::size_t m : {1u, 2u}) {
    connection c(sim->port(m));
    // Any method, any body: the redirect comes first. One connection, many answers.
    for (const std::string method : {"POST", "GET"}) {
      auto r =
          c.request(method, "/api/v1/scheduler", method == "POST" ? "garbage" : "", {{"Content-Type", "text/plain"}});
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 307u);
      EXPECT_EQ(r->header("location"), location);
      EXPECT_EQ(r->header("content-length"), "0");
      EXPECT_EQ(r->headers.size(), 2u) << "only Location and Content-Length";
    }
    auto redirect = c.request("GET", "/master/redirect", "", {});
    ASSERT_TRUE(redirect);
    EXPECT_EQ(redirect->status, 307u);
    EXPECT_EQ(redirect->header("location"), "//127.0.0.1:" + std::to_string(sim->port(0)));
  }
  connection leader(sim->port(0));
  auto r = leader.request("GET", "/master/redirect", "", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 307u);
}

TEST(SimMasters, ElectionEndsOldStreamsAndKeepsFrameworks) {
  auto sim = make(2);
  auto fw = std::make_unique<framework>(sim->port(0), encoding::json, subscribe_call("fw", 3600));
  ASSERT_TRUE(fw->ok());
  sim->elect(1);
  EXPECT_EQ(sim->leader(), std::optional<std::size_t>(1));
  EXPECT_TRUE(fw->stream->wait_end());
  EXPECT_FALSE(fw->stream->complete()) << "a dead leader's stream ends with a plain EOF";
  auto r = post(sim->port(0), encode_call(subscribe_call(), encoding::json), call_headers(encoding::json, ""));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 307u);
  EXPECT_EQ(r->header("location"), "//127.0.0.1:" + std::to_string(sim->port(1)) + "/master/api/v1/scheduler");
  framework again(sim->port(1), encoding::json, subscribe_call("fw", 3600, fw->id));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.id, fw->id);
}

TEST(SimMasters, NoLeaderMeans503Everywhere) {
  auto sim = make(2);
  sim->unelect();
  EXPECT_FALSE(sim->leader());
  for (std::size_t m : {0u, 1u}) {
    auto r = post(sim->port(m), encode_call(subscribe_call(), encoding::json), call_headers(encoding::json, ""));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503u);
    EXPECT_EQ(r->body, "No leader elected");
  }
  sim->elect(1);
  framework fw(sim->port(1), encoding::protobuf);
  EXPECT_TRUE(fw.ok());
}

TEST(SimMasters, RestartRefusesThen404Then503ThenServes) {
  auto sim = make(1);
  auto fw = std::make_unique<framework>(sim->port(0), encoding::json, subscribe_call("fw", 3600));
  ASSERT_TRUE(fw->ok());
  sim->restart(0, std::chrono::milliseconds(300));
  EXPECT_TRUE(fw->stream->wait_end());
  std::vector<unsigned> seen;  // distinct answers, in order; 0 = refused
  ASSERT_TRUE(eventually([&] {
    unsigned status = 0;
    try {
      // A stream, not a plain request: a 200 here never ends.
      event_stream s(sim->port(0), encode_call(subscribe_call("fw", 3600, fw->id), encoding::json), encoding::json);
      status = s.head().status;
      if (status == 503) {
        EXPECT_EQ(s.head().body, "Master has not finished recovery");
      } else if (status == 404) {
        // As a real master that has just started.
        EXPECT_EQ(s.head().body, "404 Not Found.");
        EXPECT_EQ(s.head().header("content-type"), "text/plain; charset=utf-8");
      }
    } catch (const boost::system::system_error&) {
      status = 0;
    }
    if (seen.empty() || seen.back() != status) seen.push_back(status);
    return status == 200;
  }));
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen.back(), 200u);
  EXPECT_EQ(seen[seen.size() - 2], 503u);
  EXPECT_EQ(seen[seen.size() - 3], 404u);
  ASSERT_EQ(sim->frameworks().size(), 1u);
  EXPECT_EQ(sim->frameworks()[0].id, fw->id);
}

// ------------------------------------------------------------ kill()

// Short timeouts, but the dead leader's window is still far longer than the
// few requests made in it.
std::unique_ptr<cluster> make_killable(std::size_t masters) {
  auto cfg = fast_config();
  cfg.masters = masters;
  cfg.restart_not_found = std::chrono::milliseconds(200);
  cfg.recovery_time = std::chrono::milliseconds(300);
  cfg.leader_session_timeout = std::chrono::milliseconds(3000);
  auto c = std::make_unique<cluster>(cfg);
  c->start();
  return c;
}

bool refuses_connections(std::uint16_t port) {
  try {
    connection c(port);
    return false;
  } catch (const boost::system::system_error& e) {
    return e.code() == boost::asio::error::connection_refused;
  }
}

std::string scheduler_location(const cluster& sim, std::size_t master) {
  return "//127.0.0.1:" + std::to_string(sim.port(master)) + "/master/api/v1/scheduler";
}

class SimKill : public ::testing::TestWithParam<encoding> {};

TEST_P(SimKill, SurvivorsRedirectToTheDeadLeaderUntilItsSessionExpires) {
  const auto enc = GetParam();
  auto sim = make_killable(3);
  framework fw(sim->port(0), enc, subscribe_call("fw", 3600));
  ASSERT_TRUE(fw.ok());
  const auto killed_at = std::chrono::steady_clock::now();
  sim->kill(0);
  EXPECT_TRUE(fw.stream->wait_end());
  EXPECT_FALSE(fw.stream->complete()) << "a killed leader's stream ends with a plain EOF";
  EXPECT_TRUE(refuses_connections(sim->port(0)));
  // The window: 307 to the dead leader from every survivor, never 503.
  EXPECT_EQ(sim->leader(), std::optional<std::size_t>(0));
  for (std::size_t m : {1u, 2u}) {
    auto r = post(sim->port(m), encode_call(subscribe_call("fw", 3600, fw.id), enc), call_headers(enc, ""));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 307u) << "master " << m;
    EXPECT_EQ(r->header("location"), scheduler_location(*sim, 0));
    connection c(sim->port(m));
    auto redirect = c.request("GET", "/master/redirect", "", {});
    ASSERT_TRUE(redirect);
    EXPECT_EQ(redirect->status, 307u);
    EXPECT_EQ(redirect->header("location"), "//127.0.0.1:" + std::to_string(sim->port(0)));
  }
  EXPECT_TRUE(refuses_connections(sim->port(0)));
  // Then master 1 takes over (503 while it recovers) and knows the framework.
  std::vector<unsigned> seen;  // distinct answers of master 1, in order
  std::unique_ptr<event_stream> stream;
  ASSERT_TRUE(eventually([&] {
    auto s = std::make_unique<event_stream>(sim->port(1), encode_call(subscribe_call("fw", 3600, fw.id), enc), enc,
                                            std::string(mesoshttp::content_type(enc)));
    const unsigned status = s->head().status;
    if (status == 503) {
      EXPECT_EQ(s->head().body, "Master has not finished recovery");
    }
    if (seen.empty() || seen.back() != status) seen.push_back(status);
    if (status == 200) stream = std::move(s);
    return status == 200;
  }));
  EXPECT_GE(std::chrono::steady_clock::now() - killed_at, std::chrono::milliseconds(3000))
      << "taken over before the session expired";
  // 307 (still the window, unless this machine was very slow), then 503 while
  // the new leader recovers, then 200.
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(std::vector<unsigned>(seen.end() - 2, seen.end()), (std::vector<unsigned>{503, 200}));
  if (seen.size() > 2) {
    EXPECT_EQ(seen, (std::vector<unsigned>{307, 503, 200}));
  }
  auto subscribed = stream->next();
  ASSERT_TRUE(subscribed);
  ASSERT_EQ(subscribed->type(), Event::SUBSCRIBED);
  EXPECT_EQ(subscribed->subscribed().framework_id().value(), fw.id);
  EXPECT_EQ(subscribed->subscribed().master_info().port(), sim->port(1));
  EXPECT_EQ(sim->leader(), std::optional<std::size_t>(1));
  auto r = post(sim->port(2), encode_call(subscribe_call(), enc), call_headers(enc, ""));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 307u);
  EXPECT_EQ(r->header("location"), scheduler_location(*sim, 1));

  // The old leader comes back as a follower: 404 while it starts, then 307.
  sim->start_master(0);
  std::vector<unsigned> back;
  ASSERT_TRUE(eventually([&] {
    auto a = post(sim->port(0), encode_call(subscribe_call(), enc), call_headers(enc, ""));
    const unsigned status = a ? a->status : 0;
    if (back.empty() || back.back() != status) back.push_back(status);
    if (status == 307) {
      EXPECT_EQ(a->header("location"), scheduler_location(*sim, 1));
    }
    return status == 307;
  }));
  EXPECT_EQ(back.front(), 404u);
  EXPECT_EQ(sim->leader(), std::optional<std::size_t>(1));
}

TEST_P(SimKill, KilledFollowerRefusesWhileTheLeaderServes) {
  const auto enc = GetParam();
  auto sim = make_killable(2);
  framework fw(sim->port(0), enc, subscribe_call("fw", 3600));
  ASSERT_TRUE(fw.ok());
  sim->kill(1);
  EXPECT_TRUE(refuses_connections(sim->port(1)));
  Call revive;
  revive.set_type(Call::REVIVE);
  EXPECT_EQ(fw.call(revive)->status, 202u);
  EXPECT_TRUE(fw.next_of(Event::HEARTBEAT));
  EXPECT_EQ(sim->leader(), std::optional<std::size_t>(0));
  sim->start_master(1);
  EXPECT_TRUE(eventually([&] {
    auto r = post(sim->port(1), encode_call(subscribe_call(), enc), call_headers(enc, ""));
    return r && r->status == 307 && r->header("location") == scheduler_location(*sim, 0);
  }));
}

TEST_P(SimKill, EveryMasterDeadThenTheFirstOneStartedLeads) {
  const auto enc = GetParam();
  auto sim = make_killable(2);
  sim->kill(1);
  sim->kill(0);
  EXPECT_TRUE(refuses_connections(sim->port(0)));
  EXPECT_TRUE(refuses_connections(sim->port(1)));
  // After the session expires there is no leader; master 1 comes back first.
  ASSERT_TRUE(eventually([&] { return !sim->leader(); }));
  sim->start_master(1);
  ASSERT_TRUE(eventually([&] {
    auto s = std::make_unique<event_stream>(sim->port(1), encode_call(subscribe_call(), enc), enc,
                                            std::string(mesoshttp::content_type(enc)));
    return s->head().status == 200;
  }));
  EXPECT_EQ(sim->leader(), std::optional<std::size_t>(1));
}

TEST_P(SimKill, ControlEndpointKillsAndStartsMasters) {
  const auto enc = GetParam();
  auto sim = make_killable(2);
  framework fw(sim->port(0), enc, subscribe_call("fw", 3600));
  ASSERT_TRUE(fw.ok());
  auto r = post(sim->port(1), R"({"fault":"kill","master":0})", {{"Content-Type", "application/json"}}, "/sim/fault");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_TRUE(fw.stream->wait_end());
  EXPECT_TRUE(refuses_connections(sim->port(0)));
  connection c(sim->port(1));
  auto state = c.request("GET", "/sim/state", "", {});
  ASSERT_TRUE(state);
  EXPECT_NE(state->body.find("\"leader\":0"), std::string::npos) << state->body;
  EXPECT_NE(state->body.find("\"down\":[0]"), std::string::npos) << state->body;
  r = c.request("POST", "/sim/fault", R"({"fault":"kill","master":7})", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
  EXPECT_EQ(r->body, "No master 7");
  r = c.request("POST", "/sim/fault", R"({"fault":"start_master","master":0})", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  // Back within its session: it leads again, after starting up.
  ASSERT_TRUE(eventually([&] {
    auto s = std::make_unique<event_stream>(sim->port(0), encode_call(subscribe_call("fw", 3600, fw.id), enc), enc,
                                            std::string(mesoshttp::content_type(enc)));
    return s->head().status == 200;
  }));
  EXPECT_EQ(sim->leader(), std::optional<std::size_t>(0));
  state = c.request("GET", "/sim/state", "", {});
  ASSERT_TRUE(state);
  EXPECT_NE(state->body.find("\"down\":[]"), std::string::npos) << state->body;
}

INSTANTIATE_TEST_SUITE_P(Encodings, SimKill, ::testing::Values(encoding::json, encoding::protobuf), enc_name);

TEST(SimFaults, FailNextAnswersTheGivenStatus) {
  auto sim = make(1);
  sim->fail_next(2, 500, "boom");
  for (int i = 0; i < 2; ++i) {
    auto r = post(sim->port(0), encode_call(subscribe_call(), encoding::json), call_headers(encoding::json, ""));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 500u);
    EXPECT_EQ(r->body, "boom");
  }
  framework fw(sim->port(0), encoding::json);
  EXPECT_TRUE(fw.ok());
}

TEST(SimFaults, DelayedAnswersStillArrive) {
  auto sim = make(1);
  sim->delay_answers(std::chrono::milliseconds(50));
  framework fw(sim->port(0), encoding::json);
  ASSERT_TRUE(fw.ok());
  Call revive;
  revive.set_type(Call::REVIVE);
  EXPECT_EQ(fw.call(revive)->status, 202u);
}

TEST(SimFaults, CutMidRecordLeavesAPartialRecord) {
  auto sim = make(1);
  framework fw(sim->port(0), encoding::protobuf);
  ASSERT_TRUE(fw.ok());
  sim->cut_streams_mid_record();
  EXPECT_TRUE(fw.stream->wait_end());
  EXPECT_FALSE(fw.stream->complete());
  EXPECT_FALSE(fw.stream->decoder().at_record_boundary());
  EXPECT_TRUE(eventually([&] { return sim->subscribers() == 0; }));
}

TEST(SimFaults, ErrorEventAndGarbage) {
  auto sim = make(1);
  framework fw(sim->port(0), encoding::json);
  ASSERT_TRUE(fw.ok());
  sim->send_error_event("simulated trouble");
  auto e = fw.next_of(Event::ERROR);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error().message(), "simulated trouble");
  sim->send_garbage();
  EXPECT_TRUE(fw.stream->wait_end());
  EXPECT_TRUE(fw.stream->decoder().failed());
}

TEST(SimFaults, PausedHeartbeatsStopAndResume) {
  auto sim = make(1);
  sim->pause_heartbeats(true);
  framework fw(sim->port(0), encoding::json);
  ASSERT_TRUE(fw.ok());
  // Let several heartbeat periods pass, then mark the stream.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  sim->send_error_event("marker");
  for (;;) {
    auto e = fw.stream->next();
    ASSERT_TRUE(e);
    ASSERT_NE(e->type(), Event::HEARTBEAT);
    if (e->type() == Event::ERROR) break;
  }
  sim->pause_heartbeats(false);
  EXPECT_TRUE(fw.next_of(Event::HEARTBEAT));
}

TEST(SimFaults, ResetConnectionsSendsRst) {
  auto sim = make(1);
  framework fw(sim->port(0), encoding::json);
  ASSERT_TRUE(fw.ok());
  sim->reset_connections();
  EXPECT_TRUE(fw.stream->wait_end());
  EXPECT_EQ(fw.stream->end_reason(), boost::asio::error::connection_reset);
}

TEST(SimFaults, FloodDeliversEveryEvent) {
  auto sim = make(1);
  for (auto enc : {encoding::json, encoding::protobuf}) {
    framework fw(sim->port(0), enc);
    ASSERT_TRUE(fw.ok());
    sim->pause_heartbeats(true);
    ASSERT_EQ(sim->flood(5000, flood_shape::update), 1u);
    std::size_t updates = 0;
    while (updates < 5000) {
      auto e = fw.next_of(Event::UPDATE);
      ASSERT_TRUE(e) << updates;
      if (e->update().status().task_id().value() == "mesos-sim-flood") ++updates;
    }
    EXPECT_EQ(fw.stream->decode_errors(), 0u);
    sim->pause_heartbeats(false);
    Call teardown;
    teardown.set_type(Call::TEARDOWN);
    fw.call(teardown);
  }
}

TEST(SimFaults, OffersBurstIsOneHugeEvent) {
  auto sim = make(1);
  framework fw(sim->port(0), encoding::protobuf);
  ASSERT_TRUE(fw.ok());
  ASSERT_TRUE(fw.offer());
  sim->send_offers_burst(3000);
  auto e = fw.next_of(Event::OFFERS);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->offers().offers_size(), 3000);
  EXPECT_EQ(e->offers().offers(0).framework_id().value(), fw.id);
}

TEST(SimFaults, ControlEndpointInjectsFaults) {
  auto sim = make(2);
  framework fw(sim->port(0), encoding::json);
  ASSERT_TRUE(fw.ok());
  // The control endpoint works on every master, not only the leader.
  auto r = post(sim->port(1), R"({"fault":"error_event","message":"from control"})",
                {{"Content-Type", "application/json"}}, "/sim/fault");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  auto e = fw.next_of(Event::ERROR);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error().message(), "from control");
  r = post(sim->port(0), R"({"fault":"nope"})", {{"Content-Type", "application/json"}}, "/sim/fault");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
  EXPECT_EQ(r->body, "Unknown fault 'nope'");
  r = post(sim->port(0), "{", {{"Content-Type", "application/json"}}, "/sim/fault");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
  r = post(sim->port(0), R"({"fault":"elect","master":1})", {{"Content-Type", "application/json"}}, "/sim/fault");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(sim->leader(), std::optional<std::size_t>(1));
  connection c(sim->port(0));
  auto state = c.request("GET", "/sim/state", "", {});
  ASSERT_TRUE(state);
  EXPECT_EQ(state->status, 200u);
  EXPECT_NE(state->body.find("\"leader\":1"), std::string::npos) << state->body;
}

}  // namespace
