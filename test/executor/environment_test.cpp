// Reading an executor's configuration from the environment a Mesos 1.11.0
// agent gives it (executor-answers.md, "Launch and environment"), without
// touching this process' environment: the lookup is a map.
#include "mesoshttp/executor/environment.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

#include "mesoshttp/error.hpp"

namespace {

using namespace std::chrono_literals;
using mesoshttp::executor::executor_config_from_environment;
using mesoshttp::executor::parse_mesos_duration;
using variables = std::map<std::string, std::string, std::less<>>;

// Everything the captured executor saw, framework without checkpointing.
variables without_checkpoint() {
  return {
      {"MESOS_AGENT_ENDPOINT", "127.0.0.1:5051"},
      {"MESOS_FRAMEWORK_ID", "1b80bc45-8655-43a3-bd13-1c9d2f689cc9-0042"},
      {"MESOS_EXECUTOR_ID", "cap-exec-session"},
      {"MESOS_SLAVE_ID", "1b80bc45-8655-43a3-bd13-1c9d2f689cc9-S0"},
      {"MESOS_SLAVE_PID", "slave(1)@127.0.0.1:5051"},
      {"MESOS_DIRECTORY", "/var/lib/mesos/agent/slaves/S0/frameworks/F/executors/E/runs/C"},
      {"MESOS_SANDBOX", "/var/lib/mesos/agent/slaves/S0/frameworks/F/executors/E/runs/C"},
      {"MESOS_CHECKPOINT", "0"},
      {"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "5secs"},
      {"MESOS_HTTP_COMMAND_EXECUTOR", "0"},
      {"MESOS_NATIVE_JAVA_LIBRARY", "/usr/local/lib/libmesos-1.11.0.so"},
      {"MESOS_NATIVE_LIBRARY", "/usr/local/lib/libmesos-1.11.0.so"},
      {"LIBPROCESS_IP", "127.0.0.1"},
      {"LIBPROCESS_PORT", "0"},
      {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
  };
}

variables with_checkpoint() {
  auto env = without_checkpoint();
  env["MESOS_CHECKPOINT"] = "1";
  env["MESOS_RECOVERY_TIMEOUT"] = "15mins";
  env["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = "2secs";
  return env;
}

mesoshttp::executor::environment_result read(const variables& env) {
  return executor_config_from_environment([&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

TEST(ExecutorEnvironment, ReadsTheCapturedEnvironmentWithoutCheckpointing) {
  const auto result = read(without_checkpoint());
  ASSERT_TRUE(result) << result.message;
  EXPECT_FALSE(result.error);
  EXPECT_TRUE(result.message.empty());
  const auto& c = *result.config;
  EXPECT_EQ(c.agent_endpoint, "127.0.0.1:5051");
  EXPECT_EQ(mesoshttp::executor::executor_api_url(c), "http://127.0.0.1:5051/api/v1/executor");
  EXPECT_EQ(c.framework_id, "1b80bc45-8655-43a3-bd13-1c9d2f689cc9-0042");
  EXPECT_EQ(c.executor_id, "cap-exec-session");
  EXPECT_EQ(c.agent_id, "1b80bc45-8655-43a3-bd13-1c9d2f689cc9-S0");
  EXPECT_EQ(c.directory, "/var/lib/mesos/agent/slaves/S0/frameworks/F/executors/E/runs/C");
  EXPECT_EQ(c.sandbox, c.directory);
  EXPECT_FALSE(c.checkpoint);
  EXPECT_EQ(c.shutdown_grace_period, 5s);
  EXPECT_TRUE(c.authentication_token.empty());
  EXPECT_FALSE(c.http_command_executor);
}

TEST(ExecutorEnvironment, ReadsTheCheckpointingEnvironment) {
  auto env = with_checkpoint();
  env["MESOS_RECOVERY_TIMEOUT"] = "3mins";  // not the default, so reading it is seen
  env["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = "1.5secs";
  env["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = "30secs";
  env["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"] = "tok.en";
  env["MESOS_HTTP_COMMAND_EXECUTOR"] = "1";
  const auto result = read(env);
  ASSERT_TRUE(result) << result.message;
  const auto& c = *result.config;
  EXPECT_TRUE(c.checkpoint);
  EXPECT_EQ(c.recovery_timeout, 3min);
  EXPECT_EQ(c.subscription_backoff_max, 1500ms);
  EXPECT_EQ(c.shutdown_grace_period, 30s);
  EXPECT_EQ(c.authentication_token, "tok.en");
  EXPECT_TRUE(c.http_command_executor);
}

TEST(ExecutorEnvironment, OptionalVariablesMayBeAbsent) {
  auto env = without_checkpoint();
  env.erase("MESOS_SLAVE_ID");
  env.erase("MESOS_HTTP_COMMAND_EXECUTOR");
  const auto result = read(env);
  ASSERT_TRUE(result) << result.message;
  EXPECT_TRUE(result.config->agent_id.empty());
}

TEST(ExecutorEnvironment, EachRequiredVariableMissingIsNamed) {
  for (const char* name : {"MESOS_AGENT_ENDPOINT", "MESOS_FRAMEWORK_ID", "MESOS_EXECUTOR_ID", "MESOS_DIRECTORY",
                           "MESOS_SANDBOX", "MESOS_CHECKPOINT", "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"}) {
    auto env = without_checkpoint();
    env.erase(name);
    const auto result = read(env);
    EXPECT_FALSE(result) << name;
    EXPECT_FALSE(result.config.has_value()) << name;
    EXPECT_EQ(result.error, mesoshttp::error::invalid_executor_environment) << name;
    EXPECT_EQ(result.message.find(name), 0u) << result.message;
    EXPECT_NE(result.message.find("is not set"), std::string::npos) << result.message;
  }
}

TEST(ExecutorEnvironment, EachRequiredTextVariableEmptyIsNamed) {
  for (const char* name :
       {"MESOS_AGENT_ENDPOINT", "MESOS_FRAMEWORK_ID", "MESOS_EXECUTOR_ID", "MESOS_DIRECTORY", "MESOS_SANDBOX"}) {
    auto env = without_checkpoint();
    env[name] = "";
    const auto result = read(env);
    EXPECT_FALSE(result) << name;
    EXPECT_EQ(result.message.find(name), 0u) << result.message;
    EXPECT_NE(result.message.find("empty"), std::string::npos) << result.message;
  }
}

TEST(ExecutorEnvironment, CheckpointingNeedsBothRecoveryVariables) {
  for (const char* name : {"MESOS_RECOVERY_TIMEOUT", "MESOS_SUBSCRIPTION_BACKOFF_MAX"}) {
    auto env = with_checkpoint();
    env.erase(name);
    const auto result = read(env);
    EXPECT_FALSE(result) << name;
    EXPECT_EQ(result.message.find(name), 0u) << result.message;
    EXPECT_NE(result.message.find("MESOS_CHECKPOINT is 1"), std::string::npos) << result.message;
  }
}

TEST(ExecutorEnvironment, WithoutCheckpointingTheRecoveryVariablesAreAbsentAndDefaulted) {
  const auto result = read(without_checkpoint());
  ASSERT_TRUE(result);
  EXPECT_EQ(result.config->recovery_timeout, 15min);
  EXPECT_EQ(result.config->subscription_backoff_max, 2s);
}

struct malformed {
  const char* name;
  const char* value;
};

// Each present variable is checked, needed or not; the message names the
// variable and quotes the value.
TEST(ExecutorEnvironment, EachMalformedVariableIsNamedWithItsValue) {
  const malformed cases[] = {
      {"MESOS_AGENT_ENDPOINT", "http://127.0.0.1:5051"},
      {"MESOS_AGENT_ENDPOINT", "127.0.0.1:5051/api/v1/executor"},
      {"MESOS_AGENT_ENDPOINT", "127.0.0.1"},
      {"MESOS_AGENT_ENDPOINT", "127.0.0.1:"},
      {"MESOS_AGENT_ENDPOINT", ":5051"},
      {"MESOS_AGENT_ENDPOINT", "127.0.0.1:0"},
      {"MESOS_AGENT_ENDPOINT", "127.0.0.1:65536"},
      {"MESOS_AGENT_ENDPOINT", "127.0.0.1:50x1"},
      {"MESOS_AGENT_ENDPOINT", "::1:5051"},
      {"MESOS_AGENT_ENDPOINT", "[]:5051"},
      {"MESOS_CHECKPOINT", "yes"},
      {"MESOS_CHECKPOINT", "true"},
      {"MESOS_CHECKPOINT", " 1"},
      {"MESOS_CHECKPOINT", ""},
      {"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "5"},
      {"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "5s"},
      {"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "-5secs"},
      {"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "5 secs"},
      {"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", ""},
      {"MESOS_RECOVERY_TIMEOUT", "15minutes"},  // present without checkpointing: still checked
      {"MESOS_SUBSCRIPTION_BACKOFF_MAX", "2.secs"},
      {"MESOS_SUBSCRIPTION_BACKOFF_MAX", "0secs"},  // would resubscribe in a busy loop
      {"MESOS_HTTP_COMMAND_EXECUTOR", "2"},
      {"MESOS_EXECUTOR_AUTHENTICATION_TOKEN", ""},
  };
  for (const auto& bad : cases) {
    auto env = with_checkpoint();
    env[bad.name] = bad.value;
    const auto result = read(env);
    EXPECT_FALSE(result) << bad.name << "=" << bad.value;
    EXPECT_EQ(result.error, mesoshttp::error::invalid_executor_environment);
    EXPECT_EQ(result.message.find(bad.name), 0u) << result.message;
    if (*bad.value != '\0') {
      EXPECT_NE(result.message.find(std::string("'") + bad.value + "'"), std::string::npos) << result.message;
    }
  }
  // The recovery variables are checked without checkpointing too.
  auto env = without_checkpoint();
  env["MESOS_RECOVERY_TIMEOUT"] = "soon";
  const auto result = read(env);
  EXPECT_FALSE(result);
  EXPECT_EQ(result.message,
            "MESOS_RECOVERY_TIMEOUT is 'soon': expected a Mesos duration such as 5secs, 15mins, "
            "100ms or 1.5hrs");
}

TEST(ExecutorEnvironment, BracketedIpv6EndpointIsAccepted) {
  auto env = without_checkpoint();
  env["MESOS_AGENT_ENDPOINT"] = "[::1]:5051";
  const auto result = read(env);
  ASSERT_TRUE(result) << result.message;
  EXPECT_EQ(mesoshttp::executor::executor_api_url(*result.config), "http://[::1]:5051/api/v1/executor");
}

TEST(ExecutorEnvironment, TheFirstProblemIsReported) {
  auto env = without_checkpoint();
  env.erase("MESOS_FRAMEWORK_ID");
  env["MESOS_CHECKPOINT"] = "maybe";
  const auto result = read(env);
  EXPECT_EQ(result.message.find("MESOS_FRAMEWORK_ID"), 0u) << result.message;
}

TEST(ExecutorEnvironment, AVeryLongBadValueIsShortenedInTheMessage) {
  auto env = without_checkpoint();
  env["MESOS_CHECKPOINT"] = std::string(1000, 'x');
  const auto result = read(env);
  EXPECT_FALSE(result);
  EXPECT_LT(result.message.size(), 200u);
  EXPECT_NE(result.message.find("...'"), std::string::npos);
}

TEST(ExecutorEnvironment, ReadsTheProcessEnvironment) {
  // The one test that touches the process environment: the variables are
  // ours (a test binary is not run as an executor).
  for (const auto& [name, value] : with_checkpoint()) ::setenv(name.c_str(), value.c_str(), 1);
  ::setenv("MESOS_RECOVERY_TIMEOUT", "1hrs", 1);
  const auto result = executor_config_from_environment();
  for (const auto& [name, value] : with_checkpoint()) ::unsetenv(name.c_str());
  ASSERT_TRUE(result) << result.message;
  EXPECT_EQ(result.config->recovery_timeout, 1h);
  EXPECT_EQ(result.config->executor_id, "cap-exec-session");
}

TEST(MesosDuration, ParsesTheSpellingsAnAgentWrites) {
  EXPECT_EQ(parse_mesos_duration("15mins"), std::chrono::nanoseconds(15min));
  EXPECT_EQ(parse_mesos_duration("5secs"), std::chrono::nanoseconds(5s));
  EXPECT_EQ(parse_mesos_duration("2secs"), std::chrono::nanoseconds(2s));
  EXPECT_EQ(parse_mesos_duration("100ms"), std::chrono::nanoseconds(100ms));
  EXPECT_EQ(parse_mesos_duration("1days"), std::chrono::nanoseconds(24h));
  EXPECT_EQ(parse_mesos_duration("1mins"), std::chrono::nanoseconds(1min));
  EXPECT_EQ(parse_mesos_duration("3hrs"), std::chrono::nanoseconds(3h));
  EXPECT_EQ(parse_mesos_duration("2weeks"), std::chrono::nanoseconds(14 * 24h));
  EXPECT_EQ(parse_mesos_duration("250us"), std::chrono::nanoseconds(250us));
  EXPECT_EQ(parse_mesos_duration("7ns"), std::chrono::nanoseconds(7));
  EXPECT_EQ(parse_mesos_duration("0ns"), std::chrono::nanoseconds(0));
}

TEST(MesosDuration, FractionsAreExact) {
  EXPECT_EQ(parse_mesos_duration("1.5secs"), std::chrono::nanoseconds(1500ms));
  EXPECT_EQ(parse_mesos_duration("0.1secs"), std::chrono::nanoseconds(100ms));  // not 99.999...ms
  EXPECT_EQ(parse_mesos_duration("2.5mins"), std::chrono::nanoseconds(150s));
  EXPECT_EQ(parse_mesos_duration("0.333333333secs"), std::chrono::nanoseconds(333'333'333));
  EXPECT_EQ(parse_mesos_duration("1.0000000019secs"), std::chrono::nanoseconds(1'000'000'001));  // below 1 ns: dropped
  EXPECT_EQ(parse_mesos_duration("0.5ns"), std::chrono::nanoseconds(0));
  EXPECT_EQ(parse_mesos_duration("1.25days"), std::chrono::nanoseconds(30h));
  EXPECT_EQ(parse_mesos_duration("0.1weeks"), std::chrono::nanoseconds(60'480s));
  // Where a double would round: 1.000000001 x 1e9 is 1000000000.9999999 in
  // floating point, 0.999999999999999999 is 1.0, and 9223372035.999999999 has
  // more digits than a double holds.
  EXPECT_EQ(parse_mesos_duration("1.000000001secs"), std::chrono::nanoseconds(1'000'000'001));
  EXPECT_EQ(parse_mesos_duration("0.999999999999999999secs"), std::chrono::nanoseconds(999'999'999));
  EXPECT_EQ(parse_mesos_duration("9223372035.999999999secs"), std::chrono::nanoseconds(9'223'372'035'999'999'999));
}

TEST(MesosDuration, RefusesAnythingElse) {
  for (const char* bad : {"", "secs", "5", "5sec", "5s", "5Secs", "5 secs", " 5secs", "5secs ", "-5secs", "+5secs",
                          ".5secs", "5.secs", "5..5secs", "1e3ms", "5minss", "5h", "0x10ms", "5secs5"}) {
    EXPECT_FALSE(parse_mesos_duration(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(MesosDuration, RefusesAnOverflowOf64BitNanoseconds) {
  EXPECT_TRUE(parse_mesos_duration("9223372036secs").has_value());
  EXPECT_FALSE(parse_mesos_duration("9223372037secs").has_value());
  EXPECT_FALSE(parse_mesos_duration("99999999999999999999ns").has_value());
  EXPECT_TRUE(parse_mesos_duration("15250weeks").has_value());
  EXPECT_FALSE(parse_mesos_duration("15251weeks").has_value());
  EXPECT_FALSE(parse_mesos_duration("9223372036.9secs").has_value());
}

}  // namespace
