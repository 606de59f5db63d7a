// The `mesoshttp` command, run as a subprocess against the simulated master
// (embedded in the command, or a sim::cluster in this test process), over
// real sockets on 127.0.0.1. Waits are for conditions; deadlines only bound
// a failing test.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "mesos/v1/scheduler/scheduler.pb.h"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/sim/cluster.hpp"
#include "../support/test_pki.hpp"
#include "mesoshttp/detail/auth.hpp"
#include "subprocess.hpp"

namespace {

using namespace std::chrono_literals;
using mesos::v1::scheduler::Event;
using mesoshttp::test::subprocess;

constexpr auto deadline = 120s;

struct outcome {
  int code = -1;
  std::string out, err;
  std::string all() const { return out + err; }
};

outcome cli(std::vector<std::string> args, const std::string& input = {}) {
  args.insert(args.begin(), MESOSHTTP_CLI);
  subprocess p(args, input);
  auto code = p.wait(deadline);
  EXPECT_TRUE(code) << "the command did not end: " << p.out << p.err;
  return {code.value_or(-1), p.out, p.err};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

mesoshttp::sim::cluster_config fast_sim() {
  mesoshttp::sim::cluster_config cfg;
  cfg.heartbeat_interval = 100ms;
  cfg.offer_interval = 50ms;
  cfg.task_run_time = 50ms;
  return cfg;
}

// A port nothing listens on: bound, read, released.
unsigned short closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acc(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acc.local_endpoint().port();
}

class Cli : public ::testing::TestWithParam<std::string> {
 protected:
  std::string wire() const { return GetParam(); }
};

TEST_P(Cli, RunEchoOnTheEmbeddedSimulatorFinishesAndShowsTheOutput) {
  auto r = cli({"run", "--encoding", wire(), "--", "echo", "hello", "from", "mesos"});
  EXPECT_EQ(r.code, 0) << r.all();
  EXPECT_NE(r.out.find("TASK_FINISHED"), std::string::npos) << r.all();
  EXPECT_NE(r.out.find("hello from mesos"), std::string::npos) << r.all();
  EXPECT_NE(r.out.find("sandbox: "), std::string::npos) << r.all();
  EXPECT_NE(r.out.find("agent-0"), std::string::npos) << r.all();
}

TEST_P(Cli, RunPassesTheCommandsExitStatusThrough) {
  auto r = cli({"run", "--encoding", wire(), "--", "sh", "-c", "exit 3"});
  EXPECT_EQ(r.code, 3) << r.all();
  EXPECT_NE(r.out.find("TASK_FAILED"), std::string::npos) << r.all();
  EXPECT_NE(r.out.find("exited with status 3"), std::string::npos) << r.all();
}

TEST_P(Cli, RunOneArgumentIsAShellCommandLineWithTheEnvironment) {
  auto r = cli({"run", "--encoding", wire(), "--env", "GREETING=hi", "--env", "N=20", "--",
                "echo \"$GREETING $((N + 1))\"; exit 0"});
  EXPECT_EQ(r.code, 0) << r.all();
  EXPECT_NE(r.out.find("hi 21"), std::string::npos) << r.all();
}

TEST_P(Cli, RunWithoutAFittingOfferGivesUpWithAMessage) {
  auto r = cli({"run", "--encoding", wire(), "--cpus", "1000", "--offer-timeout", "0.5", "--", "true"});
  EXPECT_NE(r.code, 0) << r.all();
  EXPECT_NE(r.err.find("no offer with cpus 1000"), std::string::npos) << r.all();
  EXPECT_NE(r.err.find("largest offer"), std::string::npos) << r.all();
}

TEST_P(Cli, RunAgainstAClusterTearsTheFrameworkDownInEveryCase) {
  mesoshttp::sim::cluster sim(fast_sim());
  sim.start();
  auto ok = cli({"run", "--master", sim.url(0), "--encoding", wire(), "--", "true"});
  EXPECT_EQ(ok.code, 0) << ok.all();  // simulated tasks finish
  auto failed = cli(
      {"run", "--master", sim.url(0), "--encoding", wire(), "--cpus", "99", "--offer-timeout", "0.5", "--", "true"});
  EXPECT_NE(failed.code, 0) << failed.all();
  std::size_t teardowns = 0;
  for (const auto& c : sim.calls()) teardowns += c.type == "TEARDOWN" && c.status == 202;
  EXPECT_EQ(teardowns, 2u);
  EXPECT_TRUE(sim.frameworks().empty());
}

TEST_P(Cli, RunReportsATaskTheMasterFailsWithItsReason) {
  auto cfg = fast_sim();
  cfg.task_outcome = mesos::v1::TASK_LOST;
  mesoshttp::sim::cluster sim(cfg);
  sim.start();
  auto r = cli({"run", "--master", sim.url(0), "--encoding", wire(), "--", "true"});
  EXPECT_EQ(r.code, 1) << r.all();
  EXPECT_NE(r.out.find("TASK_LOST"), std::string::npos) << r.all();
}

TEST_P(Cli, RunAgainstAnUnreachableMasterNamesTheUrl) {
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port());
  auto r = cli({"run", "--master", url, "--encoding", wire(), "--max-reconnects", "2", "--", "true"});
  EXPECT_NE(r.code, 0) << r.all();
  EXPECT_NE(r.err.find("cannot use the master at " + url), std::string::npos) << r.all();
  EXPECT_NE(r.err.find("Connection refused"), std::string::npos) << r.all();
}

TEST_P(Cli, CtrlCKillsTheTaskAndWaitsForTaskKilled) {
  subprocess p({MESOSHTTP_CLI, "run", "--encoding", wire(), "--", "sleep", "600"});
  ASSERT_TRUE(p.wait_for_output("TASK_RUNNING", deadline)) << p.out << p.err;
  p.signal(SIGINT);
  auto code = p.wait(deadline);
  ASSERT_TRUE(code) << p.out << p.err;
  EXPECT_EQ(*code, 128 + SIGINT) << p.out << p.err;
  EXPECT_NE(p.out.find("TASK_KILLED"), std::string::npos) << p.out << p.err;
}

TEST_P(Cli, WatchPrintsOneParseableJsonEventPerLine) {
  mesoshttp::sim::cluster sim(fast_sim());
  sim.start();
  auto r = cli({"watch", "--master", sim.url(0), "--encoding", wire(), "--format", "json", "--count", "3"});
  EXPECT_EQ(r.code, 0) << r.all();
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.all();
  for (const auto& line : lines) {
    Event event;
    std::string why;
    EXPECT_FALSE(mesoshttp::decode(line, mesoshttp::encoding::json, event, &why)) << why << ": " << line;
    EXPECT_NE(event.type(), Event::UNKNOWN) << line;
  }
  Event first;
  ASSERT_FALSE(mesoshttp::decode(lines[0], mesoshttp::encoding::json, first));
  EXPECT_EQ(first.type(), Event::SUBSCRIBED);
  EXPECT_NE(lines[0].find("\"framework_id\""), std::string::npos) << "proto field names";
  EXPECT_NE(r.err.find("subscribed to"), std::string::npos) << r.all();  // state on stderr
  EXPECT_TRUE(sim.frameworks().empty()) << "watch tears down at the end";
}

// Protobuf strings may hold bytes that are not UTF-8; JSON cannot. `watch
// --format json` prints such an event with '?' for each bad byte instead of
// dropping it. (A JSON subscription gets the simulator's own '?' already.)
TEST_P(Cli, WatchPrintsTextThatIsNotUtf8WithQuestionMarks) {
  mesoshttp::sim::cluster sim(fast_sim());
  sim.start();
  subprocess p({MESOSHTTP_CLI, "watch", "--master", sim.url(0), "--encoding", wire(), "--format", "json"});
  ASSERT_TRUE(p.wait_for_output("SUBSCRIBED", deadline)) << p.out << p.err;
  sim.send_error_event("bad \xff byte");
  ASSERT_TRUE(p.wait_for_output("bad ? byte", deadline)) << p.out << p.err;
  p.signal(SIGINT);
  ASSERT_TRUE(p.wait(deadline)) << p.out << p.err;
  bool seen = false;
  for (const auto& line : lines_of(p.out)) {
    Event event;
    std::string why;
    EXPECT_FALSE(mesoshttp::decode(line, mesoshttp::encoding::json, event, &why)) << why << ": " << line;
    if (event.type() == Event::ERROR) {
      EXPECT_EQ(event.error().message(), "bad ? byte");
      seen = true;
    }
  }
  EXPECT_TRUE(seen) << p.out;
}

// GET http://127.0.0.1:<port>/metrics.
boost::beast::http::response<boost::beast::http::string_body> get_metrics(unsigned short port) {
  namespace http = boost::beast::http;
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::empty_body> req{http::verb::get, "/metrics", 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return res;
}

// Every line of the Prometheus text format 0.0.4 is a comment (# HELP, #
// TYPE) or `name{label="value",...} number`; returns the first that is not.
std::string first_unparseable_line(const std::string& text) {
  static const std::regex sample(
      R"re(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? ([-+]?[0-9.eE+-]+|[+-]Inf|NaN)$)re");
  static const std::regex comment(R"re(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$)re");
  for (const auto& line : lines_of(text))
    if (!std::regex_match(line, sample) && !std::regex_match(line, comment)) return line;
  return {};
}

TEST_P(Cli, WatchServesItsMetricsWhileItRuns) {
  mesoshttp::sim::cluster sim(fast_sim());
  sim.start();
  subprocess p({MESOSHTTP_CLI, "watch", "--master", sim.url(0), "--encoding", wire(), "--format", "json",
                "--metrics-address", "127.0.0.1:0"});
  ASSERT_TRUE(p.wait_for_error_output("/metrics\n", deadline)) << p.out << p.err;
  std::smatch where;
  ASSERT_TRUE(std::regex_search(p.err, where, std::regex("serving metrics at http://127\\.0\\.0\\.1:([0-9]+)/metrics")))
      << p.err;
  const auto port = static_cast<unsigned short>(std::stoul(where[1]));
  ASSERT_TRUE(p.wait_for_output("HEARTBEAT", deadline)) << p.out << p.err;

  const auto res = get_metrics(port);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[boost::beast::http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  const auto& text = res.body();
  EXPECT_EQ(first_unparseable_line(text), "") << text;
  EXPECT_NE(text.find("# TYPE mesoshttp_events_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("mesoshttp_events_total{type=\"SUBSCRIBED\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("mesoshttp_subscriptions_total 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("mesoshttp_subscribed 1\n"), std::string::npos) << text;
  std::smatch heartbeats;
  ASSERT_TRUE(
      std::regex_search(text, heartbeats, std::regex("mesoshttp_events_total\\{type=\"HEARTBEAT\"\\} ([0-9]+)")))
      << text;
  EXPECT_GE(std::stoul(heartbeats[1]), 1u) << text;

  p.signal(SIGINT);
  EXPECT_EQ(p.wait(deadline), 0) << p.out << p.err;
}

// `run` serves the same while its task runs (the task waits for a file the
// test creates once it has read the metrics), and still exits once it is done.
TEST_P(Cli, RunServesItsMetricsWhileTheTaskRuns) {
  const auto release =
      std::filesystem::temp_directory_path() / ("mesoshttp-cli-metrics-" + std::to_string(::getpid()) + "-" + wire());
  std::filesystem::remove(release);
  subprocess p({MESOSHTTP_CLI, "run", "--encoding", wire(), "--metrics-address", "127.0.0.1:0", "--",
                "while [ ! -e " + release.string() + " ]; do sleep 0.05; done"});
  ASSERT_TRUE(p.wait_for_error_output("/metrics\n", deadline)) << p.out << p.err;
  std::smatch where;
  ASSERT_TRUE(std::regex_search(p.err, where, std::regex("serving metrics at http://127\\.0\\.0\\.1:([0-9]+)/metrics")))
      << p.err;
  ASSERT_TRUE(p.wait_for_output("TASK_RUNNING", deadline)) << p.out << p.err;
  const auto res = get_metrics(static_cast<unsigned short>(std::stoul(where[1])));
  std::ofstream(release.string()) << "done\n";
  const auto& text = res.body();
  EXPECT_EQ(first_unparseable_line(text), "") << text;
  EXPECT_NE(text.find("mesoshttp_calls_total{outcome=\"accepted\",type=\"ACCEPT\"} 1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("mesoshttp_events_total{type=\"UPDATE\"} 0\n"), std::string::npos) << text;
  EXPECT_EQ(p.wait(deadline), 0) << p.out << p.err;
  std::filesystem::remove(release);
}

TEST_P(Cli, WatchRefusesAMetricsAddressItCannotServe) {
  mesoshttp::sim::cluster sim(fast_sim());
  sim.start();
  auto r = cli({"watch", "--master", sim.url(0), "--encoding", wire(), "--metrics-address", "no-port-here"});
  EXPECT_EQ(r.code, 1) << r.all();
  EXPECT_NE(r.err.find("cannot serve metrics at no-port-here"), std::string::npos) << r.all();
}

TEST_P(Cli, WatchTextIsOneSummaryPerEvent) {
  mesoshttp::sim::cluster sim(fast_sim());
  sim.start();
  auto r = cli({"watch", "--master", sim.url(0), "--encoding", wire(), "--count", "4"});
  EXPECT_EQ(r.code, 0) << r.all();
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.all();
  EXPECT_EQ(lines[0].rfind("SUBSCRIBED framework ", 0), 0u) << lines[0];
  bool offers = false;
  for (const auto& l : lines) offers |= l.rfind("OFFERS 1 offer(s); ", 0) == 0;
  EXPECT_TRUE(offers) << r.out;
}

// A file in the temporary directory, removed with the object.
struct temp_file {
  explicit temp_file(const std::string& text) {
    static int n = 0;
    path = (std::filesystem::temp_directory_path() /
            ("mesoshttp-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++)))
               .string();
    std::ofstream(path) << text;
  }
  ~temp_file() { std::filesystem::remove(path); }
  std::string path;
};

// A master with mutual TLS and HTTP Basic authentication, as a locked-down
// production cluster runs.
class CliSecure : public ::testing::TestWithParam<std::string> {
 protected:
  static constexpr const char* secret = "cli-s3cret-do-not-print";

  void SetUp() override {
    auto cfg = fast_sim();
    cfg.tls_certificate = pki_.cert_file("server");
    cfg.tls_private_key = pki_.key_file("server");
    cfg.tls_client_ca = pki_.ca_cert();
    cfg.credentials = {{"ops", secret}};
    cfg.bearer_tokens = {"tok-do-not-print"};
    sim_ = std::make_unique<mesoshttp::sim::cluster>(cfg);
    sim_->start();
  }

  std::vector<std::string> secure_args(std::vector<std::string> args) const {
    args.insert(args.end(), {"--master", sim_->url(0), "--encoding", GetParam(), "--ca-file", pki_.ca_cert(), "--cert",
                             pki_.cert_file("client"), "--key", pki_.key_file("client"), "--log-level", "debug"});
    return args;
  }

  static void expect_no_secret(const outcome& r) {
    EXPECT_EQ(r.all().find(secret), std::string::npos) << r.all();
    EXPECT_EQ(r.all().find("tok-do-not-print"), std::string::npos) << r.all();
    EXPECT_EQ(r.all().find(mesoshttp::detail::basic_authorization("ops", secret)), std::string::npos);
    EXPECT_EQ(r.all().find(mesoshttp::detail::basic_authorization("ops", "wrong")), std::string::npos);
  }

  mesoshttp::test::test_pki pki_;
  std::unique_ptr<mesoshttp::sim::cluster> sim_;
};

TEST_P(CliSecure, WatchOverMutualTlsWithASecretFileNeverPrintsTheSecret) {
  temp_file secret_file(std::string(secret) + "\n");
  auto r = cli(secure_args(
      {"watch", "--format", "json", "--count", "3", "--principal", "ops", "--secret-file", secret_file.path}));
  EXPECT_EQ(r.code, 0) << r.all();
  ASSERT_EQ(lines_of(r.out).size(), 3u) << r.all();
  EXPECT_NE(r.err.find("subscribed to https://"), std::string::npos) << r.all();
  EXPECT_NE(r.err.find("mesoshttp [info]"), std::string::npos) << "the library did log";
  expect_no_secret(r);
}

TEST_P(CliSecure, SecretFromTheEnvironmentAndTheFrameworkPrincipal) {
  ::setenv("MESOSHTTP_SECRET", secret, 1);
  auto r = cli(secure_args({"call", "--principal", "ops", R"({"type":"REVIVE"})"}));
  ::unsetenv("MESOSHTTP_SECRET");
  EXPECT_EQ(r.code, 0) << r.all();
  EXPECT_NE(r.out.find("HTTP 202"), std::string::npos) << r.all();
  expect_no_secret(r);
}

TEST_P(CliSecure, BearerTokenFile) {
  temp_file token("tok-do-not-print\n");
  auto r = cli(secure_args({"watch", "--count", "2", "--token-file", token.path}));
  EXPECT_EQ(r.code, 0) << r.all();
  expect_no_secret(r);
}

TEST_P(CliSecure, WrongSecretEndsWithThe401AndPrintsNoSecret) {
  temp_file wrong("wrong\n");
  auto r = cli(secure_args({"watch", "--count", "2", "--principal", "ops", "--secret-file", wrong.path}));
  EXPECT_NE(r.code, 0) << r.all();
  EXPECT_NE(r.err.find("401"), std::string::npos) << r.all();
  expect_no_secret(r);
  EXPECT_TRUE(sim_->frameworks().empty());
}

TEST_P(CliSecure, WithoutAClientCertificateTheHandshakeFailureIsNamed) {
  temp_file secret_file(secret);
  auto r = cli({"watch", "--master", sim_->url(0), "--encoding", GetParam(), "--ca-file", pki_.ca_cert(), "--principal",
                "ops", "--secret-file", secret_file.path, "--max-reconnects", "1"});
  EXPECT_NE(r.code, 0) << r.all();
  EXPECT_NE(r.err.find("certificate required"), std::string::npos) << r.all();
  expect_no_secret(r);
}

TEST_P(CliSecure, UntrustedMasterIsRefusedUnlessInsecure) {
  temp_file secret_file(secret);
  auto base = std::vector<std::string>{"watch",
                                       "--master",
                                       sim_->url(0),
                                       "--encoding",
                                       GetParam(),
                                       "--cert",
                                       pki_.cert_file("client"),
                                       "--key",
                                       pki_.key_file("client"),
                                       "--principal",
                                       "ops",
                                       "--secret-file",
                                       secret_file.path,
                                       "--max-reconnects",
                                       "1",
                                       "--count",
                                       "1"};
  auto refused = cli(base);  // the system store does not know the test CA
  EXPECT_NE(refused.code, 0) << refused.all();
  EXPECT_NE(refused.err.find("certificate verify failed"), std::string::npos) << refused.all();
  base.push_back("--insecure");
  auto r = cli(base);
  EXPECT_EQ(r.code, 0) << r.all();
  expect_no_secret(refused);
  expect_no_secret(r);
}

INSTANTIATE_TEST_SUITE_P(Encodings, CliSecure, ::testing::Values("protobuf", "json"),
                         [](const auto& p) { return p.param; });

TEST(CliSimSecure, ServesTlsWithCredentialsFromFiles) {
  mesoshttp::test::test_pki pki;
  temp_file creds("# principal secret\nops cli-s3cret-do-not-print\n");
  subprocess sim({MESOSHTTP_CLI, "sim", "--heartbeat", "0.1", "--tls-cert", pki.cert_file("server"), "--tls-key",
                  pki.key_file("server"), "--tls-client-ca", pki.ca_cert(), "--credentials", creds.path});
  ASSERT_TRUE(sim.wait_for_output("master 0 ", deadline)) << sim.out << sim.err;
  const auto line = lines_of(sim.out).at(0);
  ASSERT_EQ(line.rfind("master 0 https://127.0.0.1:", 0), 0u) << line;
  const std::string url = line.substr(9, line.find(' ', 9) - 9);
  temp_file secret_file("cli-s3cret-do-not-print");
  auto r =
      cli({"call", "--master", url, "--ca-file", pki.ca_cert(), "--cert", pki.cert_file("client"), "--key",
           pki.key_file("client"), "--principal", "ops", "--secret-file", secret_file.path, R"({"type":"SUPPRESS"})"});
  EXPECT_EQ(r.code, 0) << r.all();
  EXPECT_NE(r.out.find("HTTP 202"), std::string::npos) << r.all();
  EXPECT_EQ(r.all().find("cli-s3cret-do-not-print"), std::string::npos);
  sim.signal(SIGTERM);
  ASSERT_TRUE(sim.wait(deadline));
  EXPECT_EQ(sim.out.find("cli-s3cret-do-not-print"), std::string::npos);
  EXPECT_EQ(sim.err.find("cli-s3cret-do-not-print"), std::string::npos);
}

TEST_P(Cli, CallOfReviveIsAnswered202) {
  mesoshttp::sim::cluster sim(fast_sim());
  sim.start();
  auto r = cli({"call", "--master", sim.url(0), "--encoding", wire(), R"({"type":"REVIVE"})"});
  EXPECT_EQ(r.code, 0) << r.all();
  EXPECT_EQ(lines_of(r.out).at(0), "HTTP 202") << r.all();
  bool revived = false;
  for (const auto& c : sim.calls()) revived |= c.type == "REVIVE" && c.status == 202;
  EXPECT_TRUE(revived);
}

TEST_P(Cli, CallFromStdinShowsTheMastersRefusal) {
  mesoshttp::sim::cluster sim(fast_sim());
  sim.start();
  auto r = cli({"call", "--master", sim.url(0), "--encoding", wire(), "-"},
               R"({"type":"ACKNOWLEDGE","acknowledge":{"agent_id":{"value":"a"},)"
               R"("task_id":{"value":"t"},"uuid":"c2hvcnQ="}})");
  EXPECT_EQ(r.code, 1) << r.all();
  EXPECT_EQ(lines_of(r.out).at(0), "HTTP 400") << r.all();
  EXPECT_NE(r.out.find("Not a valid UUID"), std::string::npos) << r.all();
}

TEST_P(Cli, CallTeardownWithTheFrameworkIdRemovesTheFramework) {
  mesoshttp::sim::cluster sim(fast_sim());
  sim.start();
  // A framework that outlives its first command, then torn down by a second.
  auto first = cli(
      {"call", "--master", sim.url(0), "--encoding", wire(), "--failover-timeout", "300", R"({"type":"SUPPRESS"})"});
  ASSERT_EQ(first.code, 0) << first.all();
  ASSERT_EQ(sim.frameworks().size(), 1u);
  const std::string id = sim.frameworks()[0].id;
  auto second =
      cli({"call", "--master", sim.url(0), "--encoding", wire(), "--framework-id", id, R"({"type":"TEARDOWN"})"});
  EXPECT_EQ(second.code, 0) << second.all();
  EXPECT_NE(second.err.find("as framework " + id), std::string::npos) << second.all();
  EXPECT_TRUE(sim.frameworks().empty());
}

INSTANTIATE_TEST_SUITE_P(Encodings, Cli, ::testing::Values("protobuf", "json"), [](const auto& p) { return p.param; });

TEST(CliArguments, BadArgumentsExitNonZeroWithAMessage) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "subcommand"},
      {{"run"}, "command is required"},
      {{"run", "--cpus", "-1", "--", "true"}, "--cpus"},
      {{"run", "--mem", "lots", "--", "true"}, "--mem"},
      {{"run", "--offer-timeout", "0", "--", "true"}, "--offer-timeout"},
      {{"run", "--env", "NOEQUALS", "--", "true"}, "K=V"},
      {{"run", "--encoding", "xml", "--", "true"}, "--encoding"},
      {{"run", "--log-level", "loud", "--", "true"}, "--log-level"},
      {{"run", "--master", "ftp://127.0.0.1:5050", "--", "true"}, "ftp://127.0.0.1:5050"},
      {{"watch", "--format", "yaml"}, "--format"},
      {{"watch", "--count", "-2"}, "--count"},
      {{"call", "{not json"}, "not a scheduler Call"},
      {{"call", R"({"type":"SUBSCRIBE"})"}, "SUBSCRIBE"},
      {{"call", "{}"}, "type"},
      {{"sim", "--masters", "0"}, "--masters"},
      {{"sim", "--task-outcome", "TASK_NOPE"}, "TASK_NOPE"},
      {{"sim", "--attribute", "novalue"}, "name=value"},
      {{"sim", "--leader-session-timeout", "-1"}, "--leader-session-timeout"},
      {{"sim", "--tls-cert", "/etc/hostname"}, "--tls-key"},
      {{"sim", "--tls-cert", "/nonexistent.pem", "--tls-key", "/etc/hostname"}, "--tls-cert"},
      {{"sim", "--credentials", "/etc/hostname"}, "principal secret"},
      {{"watch", "--cert", "/etc/hostname"}, "--key"},
      {{"watch", "--ca-file", "/nonexistent/ca.pem"}, "--ca-file"},
      {{"watch", "--secret-file", "/etc/hostname"}, "--principal"},
      {{"watch", "--principal", "ops"}, "MESOSHTTP_SECRET"},
      {{"watch", "--principal", "ops", "--token-file", "/etc/hostname"}, "give one"},
      {{"frobnicate"}, "subcommand"},
  };
  for (const auto& [args, expected] : cases) {
    auto r = cli(args);
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_NE(r.code, 0) << line;
    EXPECT_NE(r.code, -1) << line;
    EXPECT_NE(r.err.find(expected), std::string::npos) << line << "-> " << r.err;
  }
}

TEST(CliArguments, EverySubcommandHasHelp) {
  for (const std::string sub : {"run", "watch", "sim", "call"}) {
    auto r = cli({sub, "--help"});
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.out.find("--help"), std::string::npos) << sub << ": " << r.out;
  }
  auto r = cli({"--help"});
  EXPECT_EQ(r.code, 0);
  for (const std::string sub : {"run", "watch", "sim", "call"}) EXPECT_NE(r.out.find(sub), std::string::npos) << r.out;
}

TEST(CliSim, ServesUntilSignalledAndAnswersCalls) {
  subprocess sim({MESOSHTTP_CLI, "sim", "--masters", "2", "--heartbeat", "0.1"});
  ASSERT_TRUE(sim.wait_for_output("master 1 ", deadline)) << sim.out << sim.err;
  const auto lines = lines_of(sim.out);
  ASSERT_GE(lines.size(), 2u);
  ASSERT_EQ(lines[0].rfind("master 0 http://127.0.0.1:", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("(leader)"), std::string::npos) << lines[0];
  // Any master will do: the non-leader redirects.
  const std::string follower = lines[1].substr(9, lines[1].find(' ', 9) - 9);
  auto r = cli({"call", "--master", follower, R"({"type":"REVIVE"})"});
  EXPECT_EQ(r.code, 0) << r.all();
  EXPECT_NE(r.out.find("HTTP 202"), std::string::npos) << r.all();
  sim.signal(SIGTERM);
  auto code = sim.wait(deadline);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0) << sim.err;
}

}  // namespace
