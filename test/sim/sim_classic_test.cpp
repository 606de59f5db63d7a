// The simulated master's classic JSON endpoints (GET /master/state, /state,
// /version, /health, /master/health, /metrics/snapshot) over real HTTP on
// 127.0.0.1, with the keys, key order and value types a real Mesos 1.11.0
// master used (operator-answers.md, "Classic JSON endpoints"). The framework
// whose task they show speaks either encoding.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>

#include "sim_operator_support.hpp"

namespace {

using namespace simtest;
using google::protobuf::Struct;
using google::protobuf::Value;
using mesoshttp::sim::cluster;

Struct parse(const std::string& json) {
  Struct s;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &s);
  EXPECT_TRUE(status.ok()) << status.message() << "\n" << json;
  return s;
}
const Value& at(const Struct& s, const std::string& key) {
  static const Value none;
  const auto it = s.fields().find(key);
  EXPECT_NE(it, s.fields().end()) << "no key " << key;
  return it == s.fields().end() ? none : it->second;
}
std::optional<reply> get(std::uint16_t port, const std::string& target) { return raw(port, "", {}, target, "GET"); }

// Each key appears, and after the one before it.
void expect_keys_in_order(const std::string& json, const std::vector<std::string>& keys) {
  std::size_t last = 0;
  for (const auto& k : keys) {
    const auto at_key = json.find("\"" + k + "\":", last);
    ASSERT_NE(at_key, std::string::npos) << k << " missing or out of order in " << json.substr(0, 400);
    last = at_key;
  }
}

class SimClassic : public ::testing::TestWithParam<encoding> {
 protected:
  void SetUp() override {
    auto cfg = fast_config();
    cfg.masters = 2;
    cfg.task_run_time = std::chrono::seconds(60);
    sim = std::make_unique<cluster>(cfg);
    sim->start();
  }
  // A framework whose task t1 runs.
  std::unique_ptr<framework> running_task() {
    auto fw = std::make_unique<framework>(sim->port(0), GetParam());
    EXPECT_TRUE(fw->ok());
    auto offer = fw->offer();
    EXPECT_TRUE(offer);
    if (!offer) return fw;
    auto r = fw->call(launch_call(*offer, "t1", 1, 128, "sleep 100"));
    EXPECT_TRUE(r && r->status == 202);
    EXPECT_TRUE(eventually([&] {
      auto s = get(sim->port(0), "/master/state");
      return s && s->body.find("\"state\":\"TASK_RUNNING\"") != std::string::npos;
    }));
    return fw;
  }
  std::unique_ptr<cluster> sim;
};

TEST_P(SimClassic, StateShowsAgentsFrameworksAndTasksWithARealMastersKeys) {
  auto fw = running_task();
  const auto r = get(sim->port(0), "/master/state");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->header("content-type"), "application/json");
  expect_keys_in_order(r->body, {"version",
                                 "git_sha",
                                 "git_branch",
                                 "build_date",
                                 "build_time",
                                 "build_user",
                                 "start_time",
                                 "elected_time",
                                 "id",
                                 "pid",
                                 "hostname",
                                 "capabilities",
                                 "activated_slaves",
                                 "deactivated_slaves",
                                 "unreachable_slaves",
                                 "leader",
                                 "leader_info",
                                 "flags",
                                 "slaves",
                                 "recovered_slaves",
                                 "frameworks",
                                 "completed_frameworks",
                                 "orphan_tasks",
                                 "unregistered_frameworks"});
  const auto state = parse(r->body);
  EXPECT_EQ(at(state, "version").string_value(), "1.11.0");
  EXPECT_EQ(at(state, "leader").string_value(), "master@127.0.0.1:" + std::to_string(sim->port(0)));
  EXPECT_EQ(at(state, "activated_slaves").number_value(), 1.0);
  // Counters are doubles on the wire ("1.0"), as a real master prints them.
  EXPECT_NE(r->body.find("\"activated_slaves\":1.0,"), std::string::npos);
  EXPECT_FALSE(at(at(state, "flags").struct_value(), "hostname").string_value().empty());

  const auto& slaves = at(state, "slaves").list_value();
  ASSERT_EQ(slaves.values_size(), 1);
  const auto& agent = slaves.values(0).struct_value();
  expect_keys_in_order(r->body, {"slaves", "hostname", "port", "attributes", "pid", "registered_time", "resources",
                                 "used_resources", "offered_resources", "reserved_resources", "unreserved_resources",
                                 "active", "deactivated", "version", "capabilities"});
  const auto& total = at(agent, "resources").struct_value();
  EXPECT_GT(at(total, "cpus").number_value(), 0);
  EXPECT_EQ(at(total, "gpus").number_value(), 0);  // always there
  EXPECT_EQ(at(total, "ports").string_value().front(), '[');
  EXPECT_EQ(at(at(agent, "used_resources").struct_value(), "cpus").number_value(), 1.0);
  EXPECT_TRUE(at(agent, "active").bool_value());

  const auto& frameworks = at(state, "frameworks").list_value();
  ASSERT_EQ(frameworks.values_size(), 1);
  const auto& f = frameworks.values(0).struct_value();
  EXPECT_EQ(at(f, "id").string_value(), fw->id);
  EXPECT_TRUE(at(f, "active").bool_value());
  const auto& tasks = at(f, "tasks").list_value();
  ASSERT_EQ(tasks.values_size(), 1);
  const auto& t = tasks.values(0).struct_value();
  EXPECT_EQ(at(t, "id").string_value(), "t1");
  EXPECT_EQ(at(t, "state").string_value(), "TASK_RUNNING");
  EXPECT_EQ(at(t, "slave_id").string_value(), at(agent, "id").string_value());
  EXPECT_EQ(at(at(t, "resources").struct_value(), "mem").number_value(), 128.0);
  EXPECT_EQ(at(t, "executor_id").string_value(), "");  // a command task
  EXPECT_GE(at(t, "statuses").list_value().values_size(), 1);

  // /state is the same view; ?jsonp=cb wraps it for a script tag.
  const auto plain = get(sim->port(0), "/state");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200u);
  EXPECT_EQ(parse(plain->body).fields().size(), state.fields().size());
  const auto wrapped = get(sim->port(0), "/master/state?jsonp=cb");
  ASSERT_TRUE(wrapped);
  EXPECT_EQ(wrapped->header("content-type"), "text/javascript");
  EXPECT_EQ(wrapped->body.rfind("cb({", 0), 0u);
  EXPECT_EQ(wrapped->body.substr(wrapped->body.size() - 3), "});");
}

TEST_P(SimClassic, VersionHealthAndMetricsAnswerAsARealMasterDoes) {
  auto fw = running_task();
  auto r = get(sim->port(0), "/version");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  expect_keys_in_order(r->body, {"build_date", "build_time", "build_user", "git_branch", "git_sha", "version"});
  EXPECT_EQ(at(parse(r->body), "version").string_value(), "1.11.0");

  for (const std::string path : {"/health", "/master/health"}) {
    r = get(sim->port(0), path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u) << path;
    EXPECT_TRUE(r->body.empty()) << path;
    EXPECT_FALSE(r->has("content-type")) << path;
  }

  r = get(sim->port(0), "/metrics/snapshot?timeout=5secs");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  const auto metrics = parse(r->body);
  EXPECT_EQ(at(metrics, "master/elected").number_value(), 1.0);
  EXPECT_EQ(at(metrics, "master/tasks_running").number_value(), 1.0);
  EXPECT_EQ(at(metrics, "master/frameworks_active").number_value(), 1.0);
  // Keys sorted, every value a number.
  std::vector<std::string> keys;
  for (const auto& [k, v] : metrics.fields()) {
    EXPECT_EQ(v.kind_case(), Value::kNumberValue) << k;
    keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  expect_keys_in_order(r->body, keys);
}

TEST_P(SimClassic, AMasterThatDoesNotLeadKnowsNoAgentsAndNamesTheLeader) {
  auto fw = running_task();
  const auto r = get(sim->port(1), "/master/state");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  const auto state = parse(r->body);
  EXPECT_EQ(at(state, "leader").string_value(), "master@127.0.0.1:" + std::to_string(sim->port(0)));
  EXPECT_EQ(at(state, "pid").string_value(), "master@127.0.0.1:" + std::to_string(sim->port(1)));
  EXPECT_EQ(at(state, "slaves").list_value().values_size(), 0);
  EXPECT_EQ(at(state, "frameworks").list_value().values_size(), 0);
  EXPECT_EQ(state.fields().count("elected_time"), 0u);
  const auto metrics = get(sim->port(1), "/metrics/snapshot");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(at(parse(metrics->body), "master/elected").number_value(), 0.0);
}

TEST_P(SimClassic, WhatARealMasterDoesNotServeIsNotFound) {
  for (const std::string path : {"/master/state.json", "/master/nonexistent"}) {
    const auto r = get(sim->port(0), path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404u) << path;
  }
}

// The live view at GET / (src/sim/live_page.cpp); test/sim/live_page_browser_test.py
// drives it in a browser.
TEST(SimLivePage, TheLeaderServesOneSelfContainedPageAndTheOthersRedirectToIt) {
  auto cfg = fast_config();
  cfg.masters = 2;
  cluster sim(cfg);
  sim.start();
  const auto r = get(sim.port(0), "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(r->body.rfind("<!DOCTYPE html>", 0), 0u);
  for (const std::string part : {"<table id=\"agents\">", "<table id=\"frameworks\">", "<table id=\"offers\">",
                                 "<table id=\"tasks\">", "{\"type\":\"SUBSCRIBE\"}", "GET_FRAMEWORKS", "</html>"})
    EXPECT_NE(r->body.find(part), std::string::npos) << part;
  // No external assets: nothing is loaded from anywhere but this master.
  for (const std::string outside : {"src=", "href=", "http://", "https://", "@import", "url("})
    EXPECT_EQ(r->body.find(outside), std::string::npos) << outside;

  const auto other = get(sim.port(1), "/");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 307u);
  EXPECT_EQ(other->header("location"), "//127.0.0.1:" + std::to_string(sim.port(0)) + "/");

  // The page is for GET only; other paths stay unknown.
  const auto post = raw(sim.port(0), "", {}, "/", "POST");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 404u);
  EXPECT_EQ(get(sim.port(0), "/index.html")->status, 404u);
}

// The page lists outstanding offers from GET_FRAMEWORKS, which names each
// framework's offers as a real master does.
TEST(SimLivePage, GetFrameworksListsTheOutstandingOffers) {
  auto cfg = fast_config();
  cluster sim(cfg);
  sim.start();
  framework fw(sim.port(0), encoding::json);
  ASSERT_TRUE(fw.ok());
  const auto offer = fw.offer();
  ASSERT_TRUE(offer);
  const auto r = raw(sim.port(0), R"({"type":"GET_FRAMEWORKS"})", json_headers());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200u);
  const auto answer = parse(r->body);
  const auto& frameworks = at(at(answer, "get_frameworks").struct_value(), "frameworks").list_value();
  ASSERT_EQ(frameworks.values_size(), 1);
  const auto& offers = at(frameworks.values(0).struct_value(), "offers").list_value();
  ASSERT_GE(offers.values_size(), 1);
  bool found = false;
  for (const auto& o : offers.values())
    found = found || at(at(o.struct_value(), "id").struct_value(), "value").string_value() == offer->id().value();
  EXPECT_TRUE(found) << r->body;
}

INSTANTIATE_TEST_SUITE_P(Encodings, SimClassic, ::testing::Values(encoding::protobuf, encoding::json), enc_name);

}  // namespace
