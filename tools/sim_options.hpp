// Command-line options of the simulated cluster, shared by `mesos-sim` and
// `mesoshttp sim` so the two commands cannot drift apart.
#pragma once

#include <CLI/CLI.hpp>
#include <signal.h>

#include <chrono>
#include <iostream>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "mesoshttp/sim/cluster.hpp"

namespace mesoshttp::tools {

// CLI11's own number checks print the double range in full (a 300-digit
// number); these say what is wanted.
inline CLI::Validator positive() {
  return CLI::Validator(
      [](std::string& v) {
        try {
          if (std::stod(v) > 0) return std::string();
        } catch (const std::exception&) {
        }
        return "must be a number greater than 0, got '" + v + "'";
      },
      "> 0");
}
inline CLI::Validator non_negative() {
  return CLI::Validator(
      [](std::string& v) {
        try {
          if (std::stod(v) >= 0) return std::string();
        } catch (const std::exception&) {
        }
        return "must be a number >= 0, got '" + v + "'";
      },
      ">= 0");
}

struct sim_options {
  std::size_t masters = 1;
  std::size_t agents = 1;
  unsigned port = 0;
  double heartbeat = 15;
  bool local = false;
  double cpus = 4, mem = 8192, disk = 65536;
  double offer_interval = 1, offer_timeout = 0, task_seconds = 1, retry = 10;
  double session_timeout = 10;
  std::string outcome = "TASK_FINISHED";
  std::string sandbox;
  std::vector<std::string> attributes;
  std::string tls_cert, tls_key, tls_client_ca;
  std::string credentials_file, tokens_file;
};

inline void add_sim_options(CLI::App& app, sim_options& o) {
  app.add_option("--masters", o.masters, "Number of masters; master 0 leads")->default_val(1)->check(CLI::Range(1, 64));
  app.add_option("--agents", o.agents, "Number of simulated agents")->default_val(1)->check(CLI::Range(1, 100000));
  app.add_option("--port", o.port, "Port of the first master; the others use the next ports. 0 = ephemeral ports")
      ->default_val(0)
      ->check(CLI::Range(0, 65535));
  app.add_option("--heartbeat", o.heartbeat, "Heartbeat interval in seconds")->default_val(15)->check(positive());
  app.add_flag("--local-agent", o.local, "Run tasks' commands as real local processes (sandboxes under --sandbox)");
  app.add_option("--sandbox", o.sandbox, "Where --local-agent puts task sandboxes (default: a temporary directory)");
  app.add_option("--cpus", o.cpus, "CPUs per agent")->default_val(4)->check(positive());
  app.add_option("--mem", o.mem, "Memory per agent, MB")->default_val(8192)->check(positive());
  app.add_option("--disk", o.disk, "Disk per agent, MB")->default_val(65536)->check(non_negative());
  app.add_option("--attribute", o.attributes, "Text attribute name=value given to every agent (repeatable)");
  app.add_option("--offer-interval", o.offer_interval,
                 "Seconds between allocation rounds (unused resources come back this soon)")
      ->default_val(1)
      ->check(positive());
  app.add_option("--offer-timeout", o.offer_timeout, "Seconds after which an unused offer is rescinded; 0 = never")
      ->default_val(0)
      ->check(non_negative());
  app.add_option("--leader-session-timeout", o.session_timeout,
                 "Seconds the other masters keep redirecting to a killed leader (POST /sim/fault "
                 "{\"fault\":\"kill\"}) before the next one takes over, as until a real dead "
                 "leader's ZooKeeper session expires")
      ->default_val(10)
      ->check(non_negative());
  app.add_option("--task-seconds", o.task_seconds, "Simulated tasks run this long; 0 = until killed")
      ->default_val(1)
      ->check(non_negative());
  app.add_option("--task-outcome", o.outcome, "Final state of simulated tasks")->default_val("TASK_FINISHED");
  app.add_option("--update-retry", o.retry, "Seconds before an unacknowledged status update is resent")
      ->default_val(10)
      ->check(positive());
  app.add_option("--tls-cert", o.tls_cert, "Serve HTTPS with this certificate chain (PEM); needs --tls-key")
      ->check(CLI::ExistingFile)
      ->group("Security");
  app.add_option("--tls-key", o.tls_key, "Private key (PEM) of --tls-cert")
      ->check(CLI::ExistingFile)
      ->group("Security");
  app.add_option("--tls-client-ca", o.tls_client_ca,
                 "Require clients to present a certificate issued by a CA in this PEM file")
      ->check(CLI::ExistingFile)
      ->group("Security");
  app.add_option("--credentials", o.credentials_file,
                 "Require HTTP Basic authentication: a file of 'principal secret' lines ('#' starts a comment)")
      ->check(CLI::ExistingFile)
      ->group("Security");
  app.add_option("--bearer-tokens", o.tokens_file,
                 "Require authentication, accepting 'Authorization: Bearer <token>' for each token in this "
                 "file (one per line); combines with --credentials")
      ->check(CLI::ExistingFile)
      ->group("Security");
}

// The non-empty, non-comment lines of a file, trimmed; nullopt if unreadable.
inline std::optional<std::vector<std::string>> read_config_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t\r");
    lines.push_back(line.substr(first, last - first + 1));
  }
  return lines;
}

// The cluster configuration the options describe, or why they do not make one.
inline std::optional<std::string> to_cluster_config(const sim_options& o, mesoshttp::sim::cluster_config& cfg) {
  const auto ms = [](double seconds) { return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0)); };
  cfg.masters = o.masters;
  cfg.ports.clear();
  for (std::size_t i = 0; i < o.masters && o.port != 0; ++i) {
    if (o.port + i > 65535)
      return "--port " + std::to_string(o.port) + " leaves no room for " + std::to_string(o.masters) + " masters";
    cfg.ports.push_back(static_cast<std::uint16_t>(o.port + i));
  }
  cfg.heartbeat_interval = ms(o.heartbeat);
  cfg.offer_interval = ms(o.offer_interval);
  cfg.offer_timeout = ms(o.offer_timeout);
  cfg.task_run_time = ms(o.task_seconds);
  cfg.status_update_retry = ms(o.retry);
  cfg.leader_session_timeout = ms(o.session_timeout);
  cfg.tasks = o.local ? mesoshttp::sim::task_mode::local_process : mesoshttp::sim::task_mode::simulated;
  cfg.sandbox_root = o.sandbox;
  if (!mesos::v1::TaskState_Parse(o.outcome, &cfg.task_outcome))
    return "unknown --task-outcome " + o.outcome + " (e.g. TASK_FINISHED, TASK_FAILED)";
  mesoshttp::sim::agent_spec spec;
  spec.cpus = o.cpus;
  spec.mem_mb = o.mem;
  spec.disk_mb = o.disk;
  for (const auto& a : o.attributes) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) return "--attribute wants name=value, got " + a;
    spec.attributes.emplace_back(a.substr(0, eq), a.substr(eq + 1));
  }
  cfg.agents.assign(o.agents, spec);

  if (o.tls_cert.empty() != o.tls_key.empty()) return std::string("--tls-cert and --tls-key go together");
  if (!o.tls_client_ca.empty() && o.tls_cert.empty())
    return std::string("--tls-client-ca needs --tls-cert and --tls-key");
  cfg.tls_certificate = o.tls_cert;
  cfg.tls_private_key = o.tls_key;
  cfg.tls_client_ca = o.tls_client_ca;
  cfg.credentials.clear();
  cfg.bearer_tokens.clear();
  if (!o.credentials_file.empty()) {
    auto lines = read_config_lines(o.credentials_file);
    if (!lines) return "--credentials " + o.credentials_file + ": cannot be read";
    for (const auto& line : *lines) {
      const auto space = line.find_first_of(" \t");
      // The line may hold a secret: say where it is, never what it says.
      if (space == std::string::npos)
        return "--credentials " + o.credentials_file + ": every line must be 'principal secret'";
      cfg.credentials.emplace_back(line.substr(0, space), line.substr(line.find_first_not_of(" \t", space)));
    }
    if (cfg.credentials.empty()) return "--credentials " + o.credentials_file + ": no credentials in it";
  }
  if (!o.tokens_file.empty()) {
    auto lines = read_config_lines(o.tokens_file);
    if (!lines) return "--bearer-tokens " + o.tokens_file + ": cannot be read";
    if (lines->empty()) return "--bearer-tokens " + o.tokens_file + ": no tokens in it";
    cfg.bearer_tokens = std::move(*lines);
  }
  return std::nullopt;
}

// Starts the cluster, prints one line per master, serves until SIGINT or
// SIGTERM. Returns the process exit status.
inline int serve_until_signalled(const mesoshttp::sim::cluster_config& cfg, const std::string& name) {
  // Blocked before the cluster starts its thread, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  mesoshttp::sim::cluster cluster(cfg);
  try {
    cluster.start();
  } catch (const std::exception& e) {
    std::cerr << name << ": cannot start: " << e.what() << std::endl;
    return 1;
  }
  const auto leader = cluster.leader();
  for (std::size_t i = 0; i < cluster.size(); ++i)
    std::cout << "master " << i << " " << cluster.url(i) << (leader && *leader == i ? " (leader)" : "") << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  std::cout << name << ": stopping" << std::endl;
  cluster.stop();
  return 0;
}

}  // namespace mesoshttp::tools
