// The cluster mirror fed the operator event streams a real Mesos 1.11.0
// master sent (../shared/mesos-api/captures/operator-session-*.body), in both
// encodings: a snapshot of a used cluster, then one framework running one
// task to its end and being torn down.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mesoshttp/codec.hpp"
#include "mesoshttp/operator/cluster_mirror.hpp"
#include "mesoshttp/recordio.hpp"

namespace {

using namespace mesoshttp::operator_api;
namespace master = mesos::v1::master;
using mesoshttp::encoding;

const std::filesystem::path kCaptures = std::filesystem::path(MESOSHTTP_SHARED_DIR) / "captures";

std::vector<master::Event> recorded_events(encoding wire) {
  const auto path = kCaptures / (std::string("operator-session-") + std::string(mesoshttp::to_string(wire)) + ".body");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  std::vector<master::Event> events;
  mesoshttp::recordio::decoder decoder;
  const auto ec = decoder.feed(body.str(), [&](std::string_view record) {
    master::Event e;
    std::string why;
    const auto dec = mesoshttp::decode(record, wire, e, &why);
    EXPECT_FALSE(dec) << why;
    events.push_back(std::move(e));
  });
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_FALSE(decoder.finish());
  return events;
}

class ClusterMirrorCaptures : public ::testing::TestWithParam<encoding> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kCaptures / "operator-session-json.body"))
      GTEST_SKIP() << "../shared/mesos-api not found: " << kCaptures << " has no operator captures";
  }
};

TEST_P(ClusterMirrorCaptures, FollowsARealMastersStreamEventByEvent) {
  const auto events = recorded_events(GetParam());
  ASSERT_GE(events.size(), 9u);
  ASSERT_EQ(events[0].type(), master::Event::SUBSCRIBED);
  const auto& snapshot = events[0].subscribed().get_state();

  cluster_mirror m;
  std::string framework_id, task_id, agent_id;
  scalar_resources task_resources;
  int updates = 0;
  for (const auto& e : events) {
    const auto r = m.apply(e);
    EXPECT_NE(r.outcome, apply_outcome::skipped) << r.skip_reason;
    switch (e.type()) {
      case master::Event::SUBSCRIBED: {
        EXPECT_TRUE(m.current());
        EXPECT_EQ(m.agents().size(), static_cast<std::size_t>(snapshot.get_agents().agents_size()));
        const auto& tasks = snapshot.get_tasks();
        EXPECT_EQ(m.tasks().size(), static_cast<std::size_t>(tasks.tasks_size() + tasks.completed_tasks_size() +
                                                             tasks.unreachable_tasks_size()));
        std::size_t completed = 0;
        for (const auto& f : m.frameworks()) completed += f.completed ? 1 : 0;
        EXPECT_EQ(completed, static_cast<std::size_t>(snapshot.get_frameworks().completed_frameworks_size()));
        // The agent of the capture: 2 cpus, 4096 MB.
        ASSERT_FALSE(m.agents().empty());
        EXPECT_EQ(m.agents()[0].total.cpus, 2);
        EXPECT_EQ(m.agents()[0].total.mem, 4096);
        break;
      }
      case master::Event::FRAMEWORK_ADDED:
        framework_id = e.framework_added().framework().framework_info().id().value();
        ASSERT_TRUE(m.framework(framework_id));
        EXPECT_FALSE(m.framework(framework_id)->completed);
        EXPECT_TRUE(m.framework(framework_id)->active);
        break;
      case master::Event::TASK_ADDED: {
        const auto& t = e.task_added().task();
        EXPECT_EQ(t.framework_id().value(), framework_id);
        task_id = t.task_id().value();
        agent_id = t.agent_id().value();
        task_resources = sum_scalars(t.resources());
        EXPECT_EQ(task_resources.cpus, 0.1);
        EXPECT_EQ(task_resources.mem, 32);
        EXPECT_EQ(m.task(framework_id, task_id)->state(), mesos::v1::TASK_STAGING);
        EXPECT_EQ(m.agent(agent_id)->used, task_resources);
        EXPECT_EQ(m.framework(framework_id)->active_tasks, 1u);
        break;
      }
      case master::Event::TASK_UPDATED: {
        ++updates;
        const auto t = m.task(framework_id, task_id);
        ASSERT_TRUE(t);
        EXPECT_EQ(t->state(), e.task_updated().state());
        ASSERT_EQ(t->statuses_size(), 1);
        EXPECT_EQ(t->statuses(0).uuid(), e.task_updated().status().uuid());
        const bool finished = e.task_updated().state() == mesos::v1::TASK_FINISHED;
        EXPECT_EQ(m.agent(agent_id)->used, finished ? scalar_resources{} : task_resources);
        break;
      }
      case master::Event::FRAMEWORK_REMOVED:
        EXPECT_TRUE(m.framework(framework_id)->completed);
        EXPECT_FALSE(m.framework(framework_id)->active);
        break;
      default: break;
    }
  }
  EXPECT_EQ(updates, 3);  // STARTING, RUNNING, FINISHED
  const auto finished = m.tasks(mesos::v1::TASK_FINISHED);
  const auto ours = std::find_if(finished.begin(), finished.end(), [&](const task_view& t) {
    return t.framework_id == framework_id && t.task_id == task_id;
  });
  ASSERT_NE(ours, finished.end());
  EXPECT_EQ(ours->message, "Command exited with status 0");
  EXPECT_EQ(m.used_resources(), scalar_resources{});
  const auto c = m.counters();
  EXPECT_EQ(c.events, events.size());
  EXPECT_EQ(c.snapshots, 1u);
  EXPECT_EQ(c.skipped, 0u);
  EXPECT_TRUE(m.current());
}

INSTANTIATE_TEST_SUITE_P(Encodings, ClusterMirrorCaptures, ::testing::Values(encoding::protobuf, encoding::json),
                         [](const auto& p) { return std::string(mesoshttp::to_string(p.param)); });

}  // namespace
