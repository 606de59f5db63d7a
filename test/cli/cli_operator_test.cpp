// The operator commands of `mesoshttp` (operator, cluster, agent,
// maintenance), run as subprocesses against scripted masters on 127.0.0.1
// that answer as a real master did (../shared/mesos-api/operator-answers.md),
// in both encodings.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "../support/scripted_master.hpp"
#include "mesos/v1/master/master.pb.h"
#include "mesoshttp/calls.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/sim/cluster.hpp"
#include "subprocess.hpp"

namespace {

using namespace std::chrono_literals;
using mesoshttp::encoding;
using mesoshttp::test::scripted_master;
using mesoshttp::test::subprocess;
namespace master = mesos::v1::master;

struct outcome {
  int code = -1;
  std::string out, err;
};

outcome cli(std::vector<std::string> args) {
  args.insert(args.begin(), MESOSHTTP_CLI);
  subprocess p(args, {});
  auto code = p.wait(60s);
  EXPECT_TRUE(code) << "the command did not end: " << p.out << p.err;
  return {code.value_or(-1), p.out, p.err};
}

std::string http_answer(const std::string& status_line, const std::string& headers, const std::string& body) {
  return "HTTP/1.1 " + status_line + "\r\n" + headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

class CliOperator : public ::testing::TestWithParam<encoding> {
 protected:
  std::string wire() const { return std::string(mesoshttp::to_string(GetParam())); }
  std::string ok(const google::protobuf::Message& m) const {
    std::string body;
    EXPECT_FALSE(mesoshttp::encode(m, GetParam(), body));
    return http_answer("200 OK", "Content-Type: " + std::string(mesoshttp::content_type(GetParam())) + "\r\n", body);
  }
  master::Call sent(const scripted_master& m, std::size_t i) const {
    master::Call c;
    const auto bodies = m.bodies();
    EXPECT_LT(i, bodies.size());
    if (i < bodies.size()) {
      EXPECT_FALSE(mesoshttp::decode(bodies[i], GetParam(), c)) << bodies[i];
    }
    return c;
  }
};

TEST_P(CliOperator, OperatorPrintsTheStatusAndTheDecodedAnswer) {
  master::Response health;
  health.set_type(master::Response::GET_HEALTH);
  health.mutable_get_health()->set_healthy(true);
  scripted_master m([&](std::size_t, const std::string&) { return ok(health); });
  const auto r = cli({"operator", "--master", m.url(), "--encoding", wire(), R"({"type":"GET_HEALTH"})"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("HTTP 200\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"({"type":"GET_HEALTH","get_health":{"healthy":true}})"), std::string::npos) << r.out;
  EXPECT_EQ(sent(m, 0).type(), master::Call::GET_HEALTH);
}

TEST_P(CliOperator, OperatorQuotesARefusalAndExitsOne) {
  scripted_master m([&](std::size_t, const std::string&) {
    return http_answer("400 Bad Request", "Content-Type: text/plain; charset=utf-8\r\n",
                       "Failed to validate master::Call: Expecting 'get_metrics' to be present");
  });
  const auto r = cli({"operator", "--master", m.url(), "--encoding", wire(), R"({"type":"GET_METRICS"})"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("HTTP 400"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("Expecting 'get_metrics' to be present"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(m.url()), std::string::npos) << r.err;
}

TEST_P(CliOperator, OperatorRefusesWhatIsNotACallBeforeSendingAnything) {
  scripted_master m([&](std::size_t, const std::string&) { return http_answer("200 OK", "", ""); });
  auto r = cli({"operator", "--master", m.url(), "{not json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("not an operator Call"), std::string::npos) << r.err;
  r = cli({"operator", "--master", m.url(), R"({"type":"REVIVE"})"});  // a scheduler type
  EXPECT_EQ(r.code, 2) << r.err;
  // A cluster has one ZooKeeper group: zk:// beside another master is a mistake.
  r = cli({"operator", "--master", "zk://127.0.0.1:2181/mesos," + m.url(), R"({"type":"GET_HEALTH"})"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("zk://"), std::string::npos) << r.err;
  EXPECT_EQ(m.requests(), 0u);
}

TEST_P(CliOperator, ClusterShowsAgentsFrameworksAndTasksAsTables) {
  master::Response state;
  state.set_type(master::Response::GET_STATE);
  auto* s = state.mutable_get_state();
  auto* agent = s->mutable_get_agents()->add_agents();
  agent->mutable_agent_info()->mutable_id()->set_value("S0");
  agent->mutable_agent_info()->set_hostname("node-1.example");
  agent->set_active(true);
  agent->set_version("1.11.0");
  *agent->add_total_resources() = mesoshttp::calls::scalar("cpus", 4);
  *agent->add_total_resources() = mesoshttp::calls::scalar("mem", 8192);
  auto* fw = s->mutable_get_frameworks()->add_frameworks();
  fw->mutable_framework_info()->mutable_id()->set_value("F0");
  fw->mutable_framework_info()->set_name("web-service");
  fw->mutable_framework_info()->set_user("root");
  fw->set_active(true);
  fw->set_connected(true);
  fw->set_recovered(false);
  for (const char* id : {"t-running", "t-done"}) {
    auto* t = std::string(id) == "t-done" ? s->mutable_get_tasks()->add_completed_tasks()
                                          : s->mutable_get_tasks()->add_tasks();
    t->set_name(id);
    t->mutable_task_id()->set_value(id);
    t->mutable_framework_id()->set_value("F0");
    t->mutable_agent_id()->set_value("S0");
    t->set_state(std::string(id) == "t-done" ? mesos::v1::TASK_FINISHED : mesos::v1::TASK_RUNNING);
    *t->add_resources() = mesoshttp::calls::scalar("cpus", 0.5);
    *t->add_resources() = mesoshttp::calls::scalar("mem", 256);
  }
  scripted_master m([&](std::size_t, const std::string&) { return ok(state); });
  auto r = cli({"cluster", "--master", m.url(), "--encoding", wire()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(sent(m, 0).type(), master::Call::GET_STATE);
  EXPECT_NE(r.out.find("AGENTS (1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FRAMEWORKS (1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("TASKS (2)"), std::string::npos) << r.out;
  // Only the running task uses resources: 0.5 of 4 cpus, 256 of 8192 MB.
  EXPECT_TRUE(
      std::regex_search(r.out, std::regex(R"(\nS0  +node-1\.example  +active  +0\.5/4  +256/8192  +0/0  +1\n)")))
      << r.out;
  EXPECT_NE(r.out.find("web-service"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("TASK_FINISHED"), std::string::npos) << r.out;

  r = cli({"cluster", "--master", m.url(), "--encoding", wire(), "--json"});
  EXPECT_EQ(r.code, 0) << r.err;
  master::Response::GetState printed;
  EXPECT_FALSE(mesoshttp::decode(r.out, encoding::json, printed)) << r.out;
  EXPECT_EQ(printed.get_tasks().tasks(0).task_id().value(), "t-running");
}

TEST_P(CliOperator, AgentCommandsSendTheirCalls) {
  scripted_master m([&](std::size_t, const std::string&) { return http_answer("200 OK", "", ""); });
  auto r = cli({"agent", "deactivate", "S7", "--master", m.url(), "--encoding", wire()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("agent S7 deactivated"), std::string::npos) << r.out;
  EXPECT_EQ(sent(m, 0).deactivate_agent().agent_id().value(), "S7");
  r = cli({"agent", "reactivate", "S7", "--master", m.url(), "--encoding", wire()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(sent(m, 1).reactivate_agent().agent_id().value(), "S7");
  r = cli({"agent", "drain", "S7", "--max-grace-period", "5", "--mark-gone", "--master", m.url(), "--encoding",
           "protobuf"});
  EXPECT_EQ(r.code, 0) << r.err;
  master::Call drain;
  ASSERT_EQ(m.bodies().size(), 3u);
  EXPECT_FALSE(mesoshttp::decode(m.bodies()[2], encoding::protobuf, drain));
  EXPECT_EQ(drain.drain_agent().max_grace_period().seconds(), 5);
  EXPECT_TRUE(drain.drain_agent().mark_gone());
  // Gone cannot be undone: without --yes nothing is sent.
  r = cli({"agent", "gone", "S7", "--master", m.url(), "--encoding", wire()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("--yes"), std::string::npos) << r.err;
  ASSERT_EQ(m.bodies().size(), 3u);
  r = cli({"agent", "gone", "S7", "--yes", "--master", m.url(), "--encoding", wire()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("agent S7 gone"), std::string::npos) << r.out;
  EXPECT_EQ(sent(m, 3).mark_agent_gone().agent_id().value(), "S7");
  // A refusal, as a real master gives it for an unknown agent.
  scripted_master refusing([&](std::size_t, const std::string&) {
    return http_answer("400 Bad Request", "Content-Type: text/plain; charset=utf-8\r\n", "Unknown agent");
  });
  r = cli({"agent", "deactivate", "nope", "--master", refusing.url(), "--encoding", wire()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("Unknown agent"), std::string::npos) << r.err;
}

TEST_P(CliOperator, SchedulingAWindowKeepsTheOthers) {
  master::Response existing;
  existing.set_type(master::Response::GET_MAINTENANCE_SCHEDULE);
  auto* w = existing.mutable_get_maintenance_schedule()->mutable_schedule()->add_windows();
  w->add_machine_ids()->set_hostname("old.example");
  w->mutable_unavailability()->mutable_start()->set_nanoseconds(1);
  scripted_master m(
      [&](std::size_t i, const std::string&) { return i == 0 ? ok(existing) : http_answer("200 OK", "", ""); });
  const auto r = cli({"maintenance", "schedule", "--machine", "ghost.example/10.255.0.9", "--start-in", "60",
                      "--duration", "600", "--master", m.url(), "--encoding", wire()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(sent(m, 0).type(), master::Call::GET_MAINTENANCE_SCHEDULE);
  const auto update = sent(m, 1);
  ASSERT_EQ(update.type(), master::Call::UPDATE_MAINTENANCE_SCHEDULE);
  const auto& windows = update.update_maintenance_schedule().schedule().windows();
  ASSERT_EQ(windows.size(), 2);
  EXPECT_EQ(windows[0].machine_ids(0).hostname(), "old.example");
  EXPECT_EQ(windows[1].machine_ids(0).hostname(), "ghost.example");
  EXPECT_EQ(windows[1].machine_ids(0).ip(), "10.255.0.9");
  EXPECT_EQ(windows[1].unavailability().duration().nanoseconds(), 600'000'000'000);
  const auto bad = cli({"maintenance", "start", "--machine", "/", "--master", m.url()});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("HOST"), std::string::npos) << bad.err;
}

// End to end on the simulator: a framework runs a task through the
// scheduler API (`mesoshttp run`), and the operator commands see it through
// /api/v1 on a master that is not the leader (307 followed).
TEST_P(CliOperator, OnTheSimulatorTheOperatorCommandsSeeWhatAFrameworkDid) {
  mesoshttp::sim::cluster_config cfg;
  cfg.masters = 2;
  cfg.offer_interval = 50ms;
  cfg.task_run_time = 50ms;
  mesoshttp::sim::cluster sim(cfg);
  sim.start();
  const auto ran = cli({"run", "--master", sim.url(0), "--encoding", wire(), "--name", "web-1", "--", "true"});
  ASSERT_EQ(ran.code, 0) << ran.out << ran.err;

  auto r = cli({"cluster", "--master", sim.url(1), "--encoding", wire()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("AGENTS (1)"), std::string::npos) << r.out;
  // The framework was torn down and its finished task is kept as completed.
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(mesoshttp run +\* +completed)"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(web-1 +TASK_FINISHED)"))) << r.out;

  // The agent's id, from the state as JSON; deactivate it and see it.
  r = cli({"cluster", "--master", sim.url(0), "--encoding", wire(), "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  master::Response::GetState state;
  ASSERT_FALSE(mesoshttp::decode(r.out, encoding::json, state)) << r.out;
  ASSERT_EQ(state.get_agents().agents_size(), 1);
  const std::string agent = state.get_agents().agents(0).agent_info().id().value();
  r = cli({"agent", "deactivate", agent, "--master", sim.url(1), "--encoding", wire()});
  EXPECT_EQ(r.code, 0) << r.err;
  r = cli({"cluster", "--master", sim.url(0), "--encoding", wire()});
  EXPECT_TRUE(std::regex_search(r.out, std::regex(agent + " +agent-0 +deactivated"))) << r.out;
  r = cli({"agent", "reactivate", agent, "--master", sim.url(0), "--encoding", wire()});
  EXPECT_EQ(r.code, 0) << r.err;
  r = cli({"agent", "reactivate", agent, "--master", sim.url(0), "--encoding", wire()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("Agent is not deactivated"), std::string::npos) << r.err;
}

// `mesoshttp events` on a master that is not the leader (307 followed) sees
// a framework run one task: the operator event stream end to end.
TEST_P(CliOperator, EventsPrintsTheOperatorStreamOfAFrameworksTask) {
  mesoshttp::sim::cluster_config cfg;
  cfg.masters = 2;
  cfg.offer_interval = 50ms;
  cfg.task_run_time = 50ms;
  mesoshttp::sim::cluster sim(cfg);
  sim.start();
  // SUBSCRIBED, HEARTBEAT, FRAMEWORK_ADDED, TASK_ADDED, three TASK_UPDATEDs
  // (STARTING, RUNNING, FINISHED) and FRAMEWORK_REMOVED.
  subprocess events({MESOSHTTP_CLI, "events", "--master", sim.url(1), "--encoding", wire(), "--count", "8"}, {});
  ASSERT_TRUE(events.wait_for_output("HEARTBEAT", 30s)) << events.out << events.err;
  const auto ran = cli({"run", "--master", sim.url(0), "--encoding", wire(), "--name", "web-1", "--", "true"});
  ASSERT_EQ(ran.code, 0) << ran.out << ran.err;
  const auto code = events.wait(60s);
  ASSERT_TRUE(code) << "events did not end: " << events.out << events.err;
  EXPECT_EQ(*code, 0) << events.err;
  const std::vector<std::string> expected = {R"(^SUBSCRIBED: 1 agents, 0 frameworks)",
                                             R"(\nHEARTBEAT\n)",
                                             R"(\nFRAMEWORK_ADDED \S+ \(mesoshttp run\)\n)",
                                             R"(\nTASK_ADDED \S+ \(web-1\) of framework )",
                                             R"(\nTASK_UPDATED \S+ of framework \S+: TASK_RUNNING)",
                                             R"(\nTASK_UPDATED \S+ of framework \S+: TASK_FINISHED)",
                                             R"(\nFRAMEWORK_REMOVED \S+ \(mesoshttp run\)\n)"};
  for (const auto& e : expected) EXPECT_TRUE(std::regex_search(events.out, std::regex(e))) << e << "\n" << events.out;
  EXPECT_NE(events.err.find("subscribed at " + sim.url(0)), std::string::npos) << events.err;
}

TEST_P(CliOperator, EventsAsJsonLinesAndWithoutAMaster) {
  auto r = cli({"events", "--encoding", wire(), "--format", "json", "--count", "2"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::vector<master::Event> seen;
  while (std::getline(lines, line)) {
    master::Event e;
    ASSERT_FALSE(mesoshttp::decode(line, encoding::json, e)) << line;
    seen.push_back(e);
  }
  ASSERT_EQ(seen.size(), 2u) << r.out;
  EXPECT_EQ(seen[0].type(), master::Event::SUBSCRIBED);
  EXPECT_EQ(seen[0].subscribed().get_state().get_agents().agents_size(), 1);
  EXPECT_EQ(seen[1].type(), master::Event::HEARTBEAT);
}

TEST_P(CliOperator, EventsGivesUpOnARefusalThatWillNotChange) {
  scripted_master m([&](std::size_t, const std::string&) {
    return http_answer("401 Unauthorized", "WWW-Authenticate: Basic realm=\"mesos\"\r\n", "");
  });
  const auto r = cli({"events", "--master", m.url(), "--encoding", wire()});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("401"), std::string::npos) << r.err;
}

TEST_P(CliOperator, WithoutAMasterTheEmbeddedSimulatorAnswers) {
  auto r = cli({"operator", "--encoding", wire(), R"({"type":"GET_VERSION"})"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("version":"1.11.0")"), std::string::npos) << r.out;
  r = cli({"cluster", "--encoding", wire()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("AGENTS (1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("TASKS (0)"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Encodings, CliOperator, ::testing::Values(encoding::protobuf, encoding::json),
                         [](const auto& p) { return std::string(mesoshttp::to_string(p.param)); });

}  // namespace
