// local_process mode: tasks' commands run as real processes with sandboxes.
#include <fstream>
#include <sstream>

#include "sim_common.hpp"

namespace {

using namespace simtest;
using mesoshttp::sim::cluster;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SimProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = fast_config();
    cfg.tasks = mesoshttp::sim::task_mode::local_process;
    cfg.kill_grace = std::chrono::milliseconds(2000);
    sim = std::make_unique<cluster>(cfg);
    sim->start();
    fw = std::make_unique<framework>(sim->port(0), encoding::json);
  }

  // Launches and acknowledges updates until a terminal one, which it returns.
  mesos::v1::TaskStatus run(Call launch, bool kill_when_running = false) {
    auto offer = fw->offer();
    EXPECT_TRUE(offer);
    if (!offer) return {};
    launch.mutable_accept()->mutable_offer_ids(0)->CopyFrom(offer->id());
    launch.mutable_accept()
        ->mutable_operations(0)
        ->mutable_launch()
        ->mutable_task_infos(0)
        ->mutable_agent_id()
        ->CopyFrom(offer->agent_id());
    EXPECT_EQ(fw->call(launch)->status, 202u);
    for (;;) {
      auto u = fw->next_of(Event::UPDATE);
      EXPECT_TRUE(u);
      if (!u) return {};
      const auto s = u->update().status();
      fw->acknowledge(s);
      if (s.state() == mesos::v1::TASK_RUNNING && kill_when_running) {
        sandbox = sim->tasks().at(0).sandbox;
        Call kill;
        kill.set_type(Call::KILL);
        kill.mutable_kill()->mutable_task_id()->CopyFrom(s.task_id());
        EXPECT_EQ(fw->call(kill)->status, 202u);
      }
      if (s.state() == mesos::v1::TASK_RUNNING && sandbox.empty() && !sim->tasks().empty())
        sandbox = sim->tasks().at(0).sandbox;
      if (s.state() != mesos::v1::TASK_STARTING && s.state() != mesos::v1::TASK_RUNNING) return s;
    }
  }

  Call shell(const std::string& command) {
    mesos::v1::Offer placeholder;
    placeholder.mutable_id()->set_value("x");
    placeholder.mutable_agent_id()->set_value("x");
    return launch_call(placeholder, "proc", 0.1, 16, command);
  }

  std::unique_ptr<cluster> sim;
  std::unique_ptr<framework> fw;
  std::filesystem::path sandbox;
};

TEST_F(SimProcess, ExitZeroIsFinishedWithOutputInTheSandbox) {
  ASSERT_TRUE(fw->ok());
  const auto s = run(shell("echo hello from task; echo oops >&2; test -n \"$MESOS_SANDBOX\""));
  EXPECT_EQ(s.state(), mesos::v1::TASK_FINISHED);
  EXPECT_EQ(s.message(), "Command exited with status 0");
  ASSERT_FALSE(sandbox.empty());
  EXPECT_EQ(slurp(sandbox / "stdout"), "hello from task\n");
  EXPECT_EQ(slurp(sandbox / "stderr"), "oops\n");
}

TEST_F(SimProcess, NonZeroExitIsFailedNamingTheStatus) {
  ASSERT_TRUE(fw->ok());
  const auto s = run(shell("exit 3"));
  EXPECT_EQ(s.state(), mesos::v1::TASK_FAILED);
  EXPECT_EQ(s.message(), "Command exited with status 3");
}

TEST_F(SimProcess, ArgvModeRunsWithoutShell) {
  ASSERT_TRUE(fw->ok());
  Call c = shell("/bin/echo");
  auto* cmd = c.mutable_accept()->mutable_operations(0)->mutable_launch()->mutable_task_infos(0)->mutable_command();
  cmd->set_shell(false);
  cmd->add_arguments("echo");
  cmd->add_arguments("$HOME literally");
  const auto s = run(c);
  EXPECT_EQ(s.state(), mesos::v1::TASK_FINISHED);
  EXPECT_EQ(slurp(sandbox / "stdout"), "$HOME literally\n");
}

// As a Mesos agent's command executor: the argv form's program is looked up
// on PATH (execvp), so a bare "echo" runs /bin/echo or /usr/bin/echo.
TEST_F(SimProcess, ArgvModeSearchesPath) {
  ASSERT_TRUE(fw->ok());
  Call c = shell("echo");
  auto* cmd = c.mutable_accept()->mutable_operations(0)->mutable_launch()->mutable_task_infos(0)->mutable_command();
  cmd->set_shell(false);
  cmd->add_arguments("echo");
  cmd->add_arguments("a");
  cmd->add_arguments("b");
  const auto s = run(c);
  EXPECT_EQ(s.state(), mesos::v1::TASK_FINISHED);
  ASSERT_FALSE(sandbox.empty());
  EXPECT_EQ(slurp(sandbox / "stdout"), "a b\n");
}

// A program on no PATH entry fails as execvp does: exit status 127.
TEST_F(SimProcess, ArgvModeUnknownProgramFails) {
  ASSERT_TRUE(fw->ok());
  Call c = shell("mesoshttp-no-such-program");
  auto* cmd = c.mutable_accept()->mutable_operations(0)->mutable_launch()->mutable_task_infos(0)->mutable_command();
  cmd->set_shell(false);
  cmd->add_arguments("mesoshttp-no-such-program");
  const auto s = run(c);
  EXPECT_EQ(s.state(), mesos::v1::TASK_FAILED);
  EXPECT_EQ(s.message(), "Command exited with status 127");
}

TEST_F(SimProcess, KillTerminatesTheProcess) {
  ASSERT_TRUE(fw->ok());
  const auto s = run(shell("sleep 600"), true);
  EXPECT_EQ(s.state(), mesos::v1::TASK_KILLED);
  EXPECT_EQ(s.message(), "Command terminated with signal Terminated");
}

}  // namespace
