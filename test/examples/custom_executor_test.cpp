// examples/custom_executor: executor_framework launching its tasks on
// example_executor, against a simulated cluster whose agent starts the
// executor as a local process, in both encodings: all tasks finish and the
// executor answers the framework's MESSAGE; also when the executor's
// connection to its agent is cut, and when the agent restarts, while tasks run.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "../cli/subprocess.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace {

using namespace std::chrono_literals;
using mesoshttp::encoding;
using mesoshttp::test::subprocess;

class CustomExecutorExample : public ::testing::TestWithParam<encoding> {
 protected:
  void SetUp() override {
    mesoshttp::sim::cluster_config cfg;
    cfg.tasks = mesoshttp::sim::task_mode::local_process;
    cfg.heartbeat_interval = 200ms;
    cfg.offer_interval = 50ms;
    cfg.status_update_retry = 300ms;
    sim_ = std::make_unique<mesoshttp::sim::cluster>(cfg);
    sim_->start();
  }

  std::vector<std::string> argv(int tasks, const std::string& seconds) const {
    return {EXECUTOR_FRAMEWORK,
            "--master",
            sim_->url(0),
            "--executor",
            EXAMPLE_EXECUTOR,
            "--tasks",
            std::to_string(tasks),
            "--task-seconds",
            seconds,
            "--encoding",
            std::string(mesoshttp::to_string(GetParam())),
            "--timeout",
            "120"};
  }

  static std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }

  // All `tasks` tasks finished (each one attempt or more) and the echo came.
  static void expect_success(subprocess& framework, int tasks) {
    EXPECT_EQ(framework.wait(180s), 0) << framework.out << framework.err;
    EXPECT_NE(framework.out.find(std::to_string(tasks) + " of " + std::to_string(tasks) + " tasks finished"),
              std::string::npos)
        << framework.out;
    EXPECT_NE(framework.out.find("executor says: echo:hello-executor"), std::string::npos) << framework.out;
    EXPECT_GE(count(framework.out, " TASK_FINISHED"), static_cast<std::size_t>(tasks)) << framework.out;
  }

  std::unique_ptr<mesoshttp::sim::cluster> sim_;
};

TEST_P(CustomExecutorExample, EveryTaskFinishesOnTheExecutorWhichAnswersAMessage) {
  subprocess framework(argv(4, "0"));
  expect_success(framework, 4);
  // The tasks went through the executor: it reported them (source
  // SOURCE_EXECUTOR on the updates is the agent's business; the example's
  // own words are in the message).
  EXPECT_NE(framework.out.find("Command exited with status 0"), std::string::npos) << framework.out;
}

TEST_P(CustomExecutorExample, ACutExecutorConnectionIsSurvived) {
  subprocess framework(argv(3, "2"));
  ASSERT_TRUE(framework.wait_for_output("TASK_RUNNING", 60s)) << framework.out << framework.err;
  EXPECT_GE(sim_->cut_executor_streams(), 1u);
  expect_success(framework, 3);
}

TEST_P(CustomExecutorExample, AnAgentRestartIsSurvived) {
  subprocess framework(argv(3, "2"));
  ASSERT_TRUE(framework.wait_for_output("TASK_RUNNING", 60s)) << framework.out << framework.err;
  // The framework checkpoints: its executor keeps running and subscribes
  // again once the agent is back.
  sim_->restart_agent(0, 1s);
  expect_success(framework, 3);
}

#ifdef MESOSHTTP_CLI
// `mesoshttp run --executor PATH` runs its command through that executor:
// its output, and its exit status read from the executor's status message.
TEST_P(CustomExecutorExample, RunTakesACustomExecutor) {
  const std::string wire(mesoshttp::to_string(GetParam()));
  subprocess ok({MESOSHTTP_CLI, "run", "--master", sim_->url(0), "--encoding", wire, "--executor", EXAMPLE_EXECUTOR,
                 "--", "echo", "through the executor"});
  EXPECT_EQ(ok.wait(120s), 0) << ok.out << ok.err;
  EXPECT_NE((ok.out + ok.err).find("TASK_FINISHED"), std::string::npos) << ok.out << ok.err;

  subprocess failing({MESOSHTTP_CLI, "run", "--master", sim_->url(0), "--encoding", wire, "--executor",
                      EXAMPLE_EXECUTOR, "--", "exit 3"});
  EXPECT_EQ(failing.wait(120s), 3) << failing.out << failing.err;
  EXPECT_NE((failing.out + failing.err).find("TASK_FAILED"), std::string::npos) << failing.out << failing.err;
}
#endif

INSTANTIATE_TEST_SUITE_P(Encodings, CustomExecutorExample, ::testing::Values(encoding::protobuf, encoding::json),
                         [](const auto& p) { return std::string(mesoshttp::to_string(p.param)); });

}  // namespace
