// The operator commands: `operator` (one call as JSON), `cluster` (agents,
// frameworks and tasks as tables), `agent drain|deactivate|reactivate|gone` and
// `maintenance schedule|start|stop|status`. Each is one or two calls of the
// operator API (/api/v1) through operator_api::master_client, whose retries,
// redirects and deadline they inherit.
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <sstream>

#include "common.hpp"
#include "mesoshttp/operator/cluster_mirror.hpp"
#include "mesoshttp/operator/operator_calls.hpp"
#include "mesoshttp/operator/operator_client.hpp"

namespace mesoshttp::cli {
namespace {

using mesos::v1::master::Call;
namespace op = operator_api;

struct operator_options {
  connection_options connection;  // --master, TLS and authentication
  std::string wire = "protobuf";
  double timeout = 30;
};

void add_operator_options(CLI::App& sub, operator_options& o) {
  sub.add_option("--master", o.connection.masters,
                 "Master URL, e.g. http://mesos.example.com:5050 (repeatable or comma-separated; any master of "
                 "a cluster will do, non-leaders redirect), or zk://HOST:PORT/PATH (ZooKeeper is asked for the "
                 "leader). Default: start a simulated master in this process")
      ->delimiter(',')
      ->allow_extra_args(false);
  sub.add_option("--encoding", o.wire, "Wire encoding of calls and answers")
      ->check(CLI::IsMember({"protobuf", "json"}))
      ->default_val("protobuf");
  sub.add_option("--timeout", o.timeout,
                 "Seconds for the whole call, redirects and retries of a recovering master included")
      ->check(CLI::Range(0.001, 86'400.0))
      ->default_val(30);
  add_security_options(sub, o.connection);
}

// Runs `call` on the masters of `o` (or an embedded simulator); nullopt and a
// message on stderr when the options are unusable.
std::optional<op::master_result> run_call(const operator_options& o, const Call& call, const std::string& subcommand) {
  std::unique_ptr<sim::cluster> sim;
  std::vector<std::string> masters = o.connection.masters;
  if (masters.empty()) {
    sim = start_embedded_sim(subcommand);
    if (!sim) return std::nullopt;
    masters = sim->urls();
  }
  auto cfg = make_operator_config(o.connection, masters, subcommand);
  if (!cfg) return std::nullopt;
  cfg->wire = o.wire == "json" ? encoding::json : encoding::protobuf;
  cfg->call_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.timeout * 1000.0));
  return op::call_master(*cfg, call);
}

// Prints a failed call's error; the exit code for it.
int report_failure(const op::master_result& r, const std::string& subcommand) {
  complain(subcommand, r.message.empty() ? r.error.message() : r.message);
  return exit_failure;
}

// ------------------------------------------------------------ tables

std::string number(double v) {
  std::ostringstream s;
  s << std::setprecision(6) << v;
  return s.str();
}

// Columns padded to their widest cell, two spaces apart.
void print_table(const std::string& title, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
  std::cout << title << " (" << rows.size() << ")\n";
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      text += cells[i];
      if (i + 1 < cells.size()) text += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    std::cout << text << "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  std::cout << "\n";
}

void print_cluster(const op::cluster_mirror& mirror) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& a : mirror.agents()) {
    const std::string state = a.draining      ? "draining"
                              : a.deactivated ? "deactivated"
                              : a.active      ? "active"
                                              : "inactive";
    rows.push_back({a.id, a.hostname, state, number(a.used.cpus) + "/" + number(a.total.cpus),
                    number(a.used.mem) + "/" + number(a.total.mem), number(a.used.disk) + "/" + number(a.total.disk),
                    std::to_string(a.active_tasks)});
  }
  print_table("AGENTS", {"ID", "HOSTNAME", "STATE", "CPUS USED/TOTAL", "MEM MB", "DISK MB", "TASKS"}, rows);
  rows.clear();
  for (const auto& f : mirror.frameworks()) {
    const std::string state = f.completed   ? "completed"
                              : f.connected ? "connected"
                              : f.active    ? "active"
                                            : "disconnected";
    std::string roles;
    for (const auto& r : f.roles) roles += (roles.empty() ? "" : ",") + r;
    rows.push_back({f.id, f.name, roles.empty() ? "*" : roles, state, std::to_string(f.active_tasks),
                    number(f.used.cpus), number(f.used.mem)});
  }
  print_table("FRAMEWORKS", {"ID", "NAME", "ROLES", "STATE", "TASKS", "CPUS", "MEM MB"}, rows);
  rows.clear();
  for (const auto& t : mirror.tasks()) {
    rows.push_back({t.framework_id, t.task_id, t.name, mesos::v1::TaskState_Name(t.state), t.agent_id, t.message});
  }
  print_table("TASKS", {"FRAMEWORK", "ID", "NAME", "STATE", "AGENT", "MESSAGE"}, rows);
}

// "HOST", "HOST/IP" or "/IP": a machine as maintenance names it.
std::optional<mesos::v1::MachineID> parse_machine(const std::string& text) {
  const auto slash = text.find('/');
  const std::string host = text.substr(0, slash);
  const std::string ip = slash == std::string::npos ? "" : text.substr(slash + 1);
  if (host.empty() && ip.empty()) return std::nullopt;
  return op::calls::machine(host, ip);
}

std::optional<std::vector<mesos::v1::MachineID>> parse_machines(const std::vector<std::string>& texts,
                                                                const std::string& subcommand) {
  std::vector<mesos::v1::MachineID> out;
  for (const auto& t : texts) {
    auto m = parse_machine(t);
    if (!m) {
      complain(subcommand, "--machine '" + t + "': expected HOST, HOST/IP or /IP");
      return std::nullopt;
    }
    out.push_back(std::move(*m));
  }
  return out;
}

// Runs a call that changes something and says what happened: exit 0 on 2xx.
int run_change(const operator_options& o, const Call& call, const std::string& subcommand, const std::string& done) {
  const auto r = run_call(o, call, subcommand);
  if (!r) return exit_usage;
  if (!*r) return report_failure(*r, subcommand);
  std::cout << done << " (HTTP " << r->status << ")" << std::endl;
  return 0;
}

}  // namespace

command add_operator(CLI::App& app) {
  auto o = std::make_shared<operator_options>();
  auto json = std::make_shared<std::string>("-");
  auto* sub = app.add_subcommand(
      "operator",
      "Send one operator Call (mesos.v1.master.Call) to /api/v1, given as JSON with proto field names (on the "
      "command line, or on stdin for '-' or nothing), and print the HTTP status and the decoded answer as one "
      "line of JSON.\nExample: mesoshttp operator --master http://127.0.0.1:5050 '{\"type\":\"GET_HEALTH\"}'");
  add_operator_options(*sub, *o);
  sub->add_option("json", *json, "The Call as JSON, or - for stdin")->default_val("-");
  return [o, json] {
    std::string text = *json;
    if (text == "-") text.assign(std::istreambuf_iterator<char>(std::cin), {});
    Call call;
    std::string why;
    if (decode(text, encoding::json, call, &why)) {
      complain("operator", "not an operator Call in JSON: " + why);
      return exit_usage;
    }
    if (call.type() == Call::UNKNOWN) {
      complain("operator", "the Call has no (known) \"type\"");
      return exit_usage;
    }
    if (call.type() == Call::SUBSCRIBE) {
      complain("operator", "SUBSCRIBE opens an event stream, which this command does not read");
      return exit_usage;
    }
    const auto r = run_call(*o, call, "operator");
    if (!r) return exit_usage;
    if (r->status != 0) std::cout << "HTTP " << r->status << std::endl;
    if (r->response) std::cout << to_json_line(*r->response) << std::endl;
    if (!*r) return report_failure(*r, "operator");
    return 0;
  };
}

command add_cluster(CLI::App& app) {
  auto o = std::make_shared<operator_options>();
  auto json = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand("cluster",
                                 "Show the cluster's agents (resources used and total), frameworks and tasks as "
                                 "tables, from one GET_STATE.");
  add_operator_options(*sub, *o);
  sub->add_flag("--json", *json, "Print the GET_STATE answer as one line of JSON instead");
  return [o, json] {
    const auto r = run_call(*o, op::calls::get(Call::GET_STATE), "cluster");
    if (!r) return exit_usage;
    if (!*r) return report_failure(*r, "cluster");
    if (!r->response || !r->response->has_get_state()) {
      complain("cluster", r->endpoint + " answered GET_STATE without a state");
      return exit_failure;
    }
    if (*json) {
      std::cout << to_json_line(r->response->get_state()) << std::endl;
      return 0;
    }
    op::cluster_mirror mirror;
    mirror.reset(r->response->get_state());
    print_cluster(mirror);
    return 0;
  };
}

command add_agent(CLI::App& app) {
  auto o = std::make_shared<operator_options>();
  auto id = std::make_shared<std::string>();
  auto grace = std::make_shared<double>(-1);
  auto gone = std::make_shared<bool>(false);
  auto yes = std::make_shared<bool>(false);
  auto action = std::make_shared<std::string>();
  auto* sub =
      app.add_subcommand("agent", "Drain, deactivate, reactivate or remove an agent (by its id, as `cluster` shows)");
  sub->require_subcommand(1);
  for (const char* name : {"drain", "deactivate", "reactivate", "gone"}) {
    const std::string what = name;
    auto* verb = sub->add_subcommand(
        name, what == "drain"        ? "Kill the agent's tasks (within their grace period) and offer nothing from it"
              : what == "deactivate" ? "Offer nothing from the agent; its tasks keep running"
              : what == "reactivate" ? "Offer the agent's resources again (after drain or deactivate)"
                                     : "Mark the agent gone (MARK_AGENT_GONE): it is shut down, its tasks end, and it "
                                       "can never come back under this id");
    add_operator_options(*verb, *o);
    verb->add_option("id", *id, "Agent id")->required();
    if (what == "drain") {
      verb->add_option("--max-grace-period", *grace, "Seconds each task gets to end before it is killed")
          ->check(CLI::Range(0.0, 31'536'000.0));
      verb->add_flag("--mark-gone", *gone, "Mark the agent gone once drained (it cannot come back)");
    }
    // It cannot be undone: asked for in so many words, as a script must too.
    if (what == "gone") verb->add_flag("--yes", *yes, "Confirm: the agent cannot come back")->required();
    verb->callback([action, what] { *action = what; });
  }
  return [o, id, grace, gone, action] {
    const std::string subcommand = "agent " + *action;
    if (*action == "gone") return run_change(*o, op::calls::mark_agent_gone(*id), subcommand, "agent " + *id + " gone");
    if (*action == "drain")
      return run_change(*o, op::calls::drain_agent(*id, std::chrono::seconds(static_cast<std::int64_t>(*grace)), *gone),
                        subcommand, "agent " + *id + " draining");
    if (*action == "deactivate")
      return run_change(*o, op::calls::deactivate_agent(*id), subcommand, "agent " + *id + " deactivated");
    return run_change(*o, op::calls::reactivate_agent(*id), subcommand, "agent " + *id + " reactivated");
  };
}

command add_maintenance(CLI::App& app) {
  auto o = std::make_shared<operator_options>();
  auto machines = std::make_shared<std::vector<std::string>>();
  auto start_in = std::make_shared<double>(0);
  auto duration = std::make_shared<double>(3600);
  auto action = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("maintenance", "Maintenance windows of machines");
  sub->require_subcommand(1);
  struct verb_spec {
    const char* name;
    const char* help;
  };
  for (const auto& v : {verb_spec{"schedule", "Add a window for --machine ... to the schedule (kept: the others)"},
                        verb_spec{"start", "Take --machine ... down now (they must be in a window)"},
                        verb_spec{"stop", "Bring --machine ... back up and drop their window"},
                        verb_spec{"status", "Print the schedule and which machines are draining or down"}}) {
    const std::string what = v.name;
    auto* verb = sub->add_subcommand(v.name, v.help);
    add_operator_options(*verb, *o);
    if (what != "status")
      verb->add_option("--machine", *machines, "A machine: HOST, HOST/IP or /IP (repeatable)")->required();
    if (what == "schedule") {
      verb->add_option("--start-in", *start_in, "Seconds from now until the window starts")->default_val(0);
      verb->add_option("--duration", *duration, "Seconds the machines are unavailable")
          ->check(CLI::Range(1.0, 31'536'000.0))
          ->default_val(3600);
    }
    verb->callback([action, what] { *action = what; });
  }
  return [o, machines, start_in, duration, action]() -> int {
    const std::string subcommand = "maintenance " + *action;
    if (*action == "status") {
      const auto status = run_call(*o, op::calls::get(Call::GET_MAINTENANCE_STATUS), subcommand);
      if (!status) return exit_usage;
      if (!*status) return report_failure(*status, subcommand);
      const auto schedule = run_call(*o, op::calls::get(Call::GET_MAINTENANCE_SCHEDULE), subcommand);
      if (!schedule || !*schedule) return schedule ? report_failure(*schedule, subcommand) : exit_usage;
      if (status->response) std::cout << to_json_line(status->response->get_maintenance_status()) << std::endl;
      if (schedule->response) std::cout << to_json_line(schedule->response->get_maintenance_schedule()) << std::endl;
      return 0;
    }
    auto ids = parse_machines(*machines, subcommand);
    if (!ids) return exit_usage;
    if (*action == "start") return run_change(*o, op::calls::start_maintenance(*ids), subcommand, "machines down");
    if (*action == "stop") return run_change(*o, op::calls::stop_maintenance(*ids), subcommand, "machines up");
    // UPDATE_MAINTENANCE_SCHEDULE replaces the whole schedule: read it, add
    // the window, write it back, so scheduling one window keeps the others.
    const auto current = run_call(*o, op::calls::get(Call::GET_MAINTENANCE_SCHEDULE), subcommand);
    if (!current) return exit_usage;
    if (!*current) return report_failure(*current, subcommand);
    mesos::v1::maintenance::Schedule schedule;
    if (current->response) schedule = current->response->get_maintenance_schedule().schedule();
    const auto start =
        std::chrono::system_clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(*start_in * 1000.0));
    *schedule.add_windows() =
        op::calls::window(*ids, std::chrono::time_point_cast<std::chrono::system_clock::duration>(start),
                          std::chrono::milliseconds(static_cast<std::int64_t>(*duration * 1000.0)));
    return run_change(*o, op::calls::update_maintenance_schedule(schedule), subcommand,
                      "window scheduled (" + std::to_string(schedule.windows_size()) + " in the schedule)");
  };
}

}  // namespace mesoshttp::cli
