// Pieces every `mesoshttp` subcommand shares: the connection options, the
// client configuration they make, the in-process simulator used when no
// master is given, and one-line descriptions of events.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mesoshttp/client.hpp"
#include "mesoshttp/metrics_server.hpp"
#include "mesoshttp/operator/operator_client.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace mesoshttp::cli {

// Exit codes of the tool itself (a task's own status is passed through by `run`).
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

struct connection_options {
  std::vector<std::string> masters;  // empty: start the simulator in-process
  std::string log_level = "error";
  std::string wire = "protobuf";
  bool json = false;
  std::size_t reconnects = 0;
  double give_up_after = 30;
  std::string user;
  std::string framework_name;
  // TLS (https:// masters).
  std::string ca_file, ca_dir;
  std::string client_certificate, client_key;
  std::string tls_server_name;
  bool insecure = false;
  // Authentication. Secrets come from files or the environment, never from
  // the command line, where every user of the machine can read them (ps).
  std::string principal;
  std::string secret_file;
  std::string token_file;
};

void add_connection_options(CLI::App& app, connection_options& options);
// The TLS and authentication options alone (part of the above; the operator
// commands take these with their own --master).
void add_security_options(CLI::App& app, connection_options& options);

// A client configuration for `masters` (the --master values or the embedded
// simulator's URL); nullopt and a message on stderr if an option is unusable.
std::optional<client_config> make_client_config(const connection_options& options, std::vector<std::string> masters,
                                                const std::string& subcommand);

// An operator API configuration for `endpoints` with the TLS and
// authentication options; nullopt and a message on stderr if unusable.
// A zk:// URL (alone: a cluster has one ZooKeeper group) is asked for the
// leading master once, which then is the endpoint, unless `keep_zk`: then it
// stays in `endpoints` for the caller to follow with a detector (`events`).
std::optional<operator_api::operator_config> make_operator_config(const connection_options& options,
                                                                  std::vector<std::string> endpoints,
                                                                  const std::string& subcommand, bool keep_zk = false);

// --metrics-address HOST:PORT (run, watch).
void add_metrics_option(CLI::App& app, std::string& address);

// Serves `client`'s metrics at `address` (/metrics) on `executor` into
// `server` while the command runs, and says where on stderr ("... serving
// metrics at http://H:P/metrics", with the port chosen for port 0). Nothing
// for an empty address; false and a message on stderr if it cannot listen
// there. Stop the server once the client is closed, so that the
// io_context's run() can return.
bool serve_metrics(const std::string& address, scheduler_client& client, boost::asio::any_io_executor executor,
                   const std::string& subcommand, std::unique_ptr<metrics_server>& server);

// Called once a command has asked for TEARDOWN or shutdown: the end of the
// event stream that follows is expected, so the library's warnings about it
// are dropped (errors still show).
void expect_disconnect();
bool disconnect_expected();

// The simulator that stands in for a cluster when no --master is given. Tasks
// run as local processes, so `mesoshttp run -- echo hi` really runs echo.
// Sandboxes are kept after exit (under the temporary directory) so the
// printed output locations stay valid.
std::unique_ptr<sim::cluster> start_embedded_sim(const std::string& subcommand);

// One line per event, for humans.
std::string describe(const mesos::v1::scheduler::Event& event);
std::string describe(const mesos::v1::Offer& offer);
std::string describe_resources(const mesos::v1::Offer& offer);

// `message` as one line of JSON with proto field names. Text that is not
// UTF-8 (legal in protobuf, impossible in JSON) is printed with '?' for each
// bad byte rather than not at all: a watcher piping to jq loses no event.
std::string to_json_line(const google::protobuf::Message& message);

// "mesoshttp <command>: <text>" on stderr.
void complain(const std::string& subcommand, const std::string& text);

// The connection state change as the text `watch` prints to stderr and the
// text other commands use in errors; empty for master events.
std::string describe(const client_event& item);

// The name to subscribe as: --user, else the login name, else "root".
std::string current_user();

// Each subcommand adds itself to the app and returns what runs it once the
// command line has been parsed; the result is the process' exit code.
using command = std::function<int()>;
command add_run(CLI::App& app);
command add_watch(CLI::App& app);
command add_sim(CLI::App& app);
command add_call(CLI::App& app);
command add_operator(CLI::App& app);     // operator.cpp
command add_cluster(CLI::App& app);      // operator.cpp
command add_agent(CLI::App& app);        // operator.cpp
command add_maintenance(CLI::App& app);  // operator.cpp
command add_events(CLI::App& app);       // events.cpp

}  // namespace mesoshttp::cli
