// The classic JSON endpoints a real master serves beside /api/v1, which the
// Mesos web UI and common tools read (`GET /master/state`, `/state`,
// `/version`, `/health`, `/master/health`, `/metrics/snapshot`), with the
// keys, their order and their value types a real Mesos 1.11.0 master used
// (../shared/mesos-api/operator-answers.md, "Classic JSON endpoints").
//
// They are views of what the operator API answers (operator_state(),
// operator_flags(), operator_metrics(), master_info()), so the two can never
// disagree. A
// master that is not leading knows no agents or frameworks, and says who leads.
#include <charconv>
#include <cmath>
#include <map>

#include "cluster_impl.hpp"

namespace mesoshttp::sim {

namespace {

using mesos::v1::master::Response;

// A JSON text written in order: the classic endpoints' key order is part of
// what tools (and people) see, so nothing here sorts or reorders.
class json_writer {
 public:
  json_writer& begin_object() { return open('{'); }
  json_writer& end_object() { return close('}'); }
  json_writer& begin_array() { return open('['); }
  json_writer& end_array() { return close(']'); }
  json_writer& key(std::string_view k) {
    comma();
    quote(k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  json_writer& value(std::string_view v) {
    comma();
    quote(v);
    return *this;
  }
  json_writer& value(const char* v) { return value(std::string_view(v)); }
  json_writer& value(bool v) {
    comma();
    out_ += v ? "true" : "false";
    return *this;
  }
  // Mesos prints every number of these endpoints as a double ("1.0", "0.1").
  json_writer& value(double v) {
    comma();
    if (!std::isfinite(v)) v = 0;
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
      out_ += std::to_string(static_cast<long long>(v)) + ".0";
    } else {
      char buf[64];
      const auto r = std::to_chars(buf, buf + sizeof buf, v);
      out_.append(buf, r.ptr);
    }
    return *this;
  }
  json_writer& integer(long long v) {
    comma();
    out_ += std::to_string(v);
    return *this;
  }
  std::string take() { return std::move(out_); }

 private:
  json_writer& open(char c) {
    comma();
    out_ += c;
    first_ = true;
    return *this;
  }
  json_writer& close(char c) {
    out_ += c;
    first_ = false;
    return *this;
  }
  void comma() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_ += ',';
    first_ = false;
  }
  void quote(std::string_view s) {
    out_ += '"';
    for (const char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out_ += buf;
          } else {
            out_ += ch;
          }
      }
    }
    out_ += '"';
  }

  std::string out_;
  bool first_ = true;
  bool after_key_ = false;
};

double seconds(const mesos::v1::TimeInfo& t) { return static_cast<double>(t.nanoseconds()) / 1e9; }

// A classic resource map: {"disk":..,"mem":..,"gpus":..,"cpus":..,"ports":"[31000-32000]"}
// (gpus always there; ports as a string; other scalars after, by name).
void resources(json_writer& w, const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& list) {
  std::map<std::string, double> scalars{{"disk", 0}, {"mem", 0}, {"gpus", 0}, {"cpus", 0}};
  std::string ports;
  for (const auto& r : list) {
    if (r.type() == mesos::v1::Value::SCALAR) scalars[r.name()] += r.scalar().value();
    if (r.type() == mesos::v1::Value::RANGES && r.name() == "ports") {
      for (const auto& range : r.ranges().range()) {
        ports += (ports.empty() ? "" : ", ") + std::to_string(range.begin()) + "-" + std::to_string(range.end());
      }
    }
  }
  w.begin_object();
  for (const char* name : {"disk", "mem", "gpus", "cpus"}) w.key(name).value(scalars[name]);
  if (!ports.empty()) w.key("ports").value("[" + ports + "]");
  for (const auto& [name, v] : scalars)
    if (name != "disk" && name != "mem" && name != "gpus" && name != "cpus") w.key(name).value(v);
  w.end_object();
}

std::string role_of(const mesos::v1::Task& t) {
  for (const auto& r : t.resources())
    if (r.has_allocation_info() && !r.allocation_info().role().empty()) return r.allocation_info().role();
  return "*";
}

void task(json_writer& w, const mesos::v1::Task& t) {
  w.begin_object();
  w.key("id").value(t.task_id().value());
  w.key("name").value(t.name());
  w.key("framework_id").value(t.framework_id().value());
  w.key("executor_id").value(t.executor_id().value());
  w.key("slave_id").value(t.agent_id().value());
  w.key("state").value(mesos::v1::TaskState_Name(t.state()));
  w.key("resources");
  resources(w, t.resources());
  w.key("role").value(role_of(t));
  w.key("statuses").begin_array();
  for (const auto& s : t.statuses()) {
    w.begin_object();
    w.key("state").value(mesos::v1::TaskState_Name(s.state()));
    w.key("timestamp").value(s.timestamp());
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

void framework(json_writer& w, const Response::GetFrameworks::Framework& f, const Response::GetTasks& tasks) {
  const auto& info = f.framework_info();
  w.begin_object();
  w.key("id").value(info.id().value());
  w.key("name").value(info.name());
  w.key("used_resources");
  resources(w, f.allocated_resources());
  w.key("offered_resources");
  resources(w, f.offered_resources());
  w.key("capabilities").begin_array();
  for (const auto& c : info.capabilities()) w.value(mesos::v1::FrameworkInfo::Capability::Type_Name(c.type()));
  w.end_array();
  w.key("hostname").value(info.hostname());
  w.key("webui_url").value(info.webui_url());
  w.key("active").value(f.active());
  w.key("connected").value(f.connected());
  w.key("recovered").value(f.recovered());
  w.key("user").value(info.user());
  w.key("failover_timeout").value(info.failover_timeout());
  w.key("checkpoint").value(info.checkpoint());
  w.key("registered_time").value(seconds(f.registered_time()));
  w.key("unregistered_time").value(seconds(f.unregistered_time()));
  w.key("resources");
  resources(w, f.allocated_resources());
  if (info.roles_size() > 0) {
    w.key("roles").begin_array();
    for (const auto& r : info.roles()) w.value(r);
    w.end_array();
  } else {
    w.key("role").value(info.has_role() ? info.role() : "*");
  }
  const auto of_this = [&](const auto& list) {
    w.begin_array();
    for (const auto& t : list)
      if (t.framework_id().value() == info.id().value()) task(w, t);
    w.end_array();
  };
  w.key("tasks");
  of_this(tasks.tasks());
  w.key("unreachable_tasks");
  of_this(tasks.unreachable_tasks());
  w.key("completed_tasks");
  of_this(tasks.completed_tasks());
  w.key("offers").begin_array().end_array();
  w.key("executors").begin_array().end_array();
  w.key("offer_constraints").begin_object().end_object();
  w.end_object();
}

void agent(json_writer& w, const Response::GetAgents::Agent& a) {
  const auto& info = a.agent_info();
  w.begin_object();
  w.key("id").value(info.id().value());
  w.key("hostname").value(info.hostname());
  w.key("port").integer(info.port());
  w.key("attributes").begin_object().end_object();
  w.key("pid").value(a.pid());
  w.key("registered_time").value(seconds(a.registered_time()));
  w.key("resources");
  resources(w, a.total_resources());
  w.key("used_resources");
  resources(w, a.allocated_resources());
  w.key("offered_resources");
  resources(w, a.offered_resources());
  w.key("reserved_resources").begin_object().end_object();
  w.key("unreserved_resources");
  resources(w, a.total_resources());
  w.key("active").value(a.active());
  w.key("deactivated").value(a.deactivated());
  w.key("version").value(a.version());
  w.key("capabilities").begin_array();
  for (const auto& c : a.capabilities()) w.value(mesos::v1::AgentInfo::Capability::Type_Name(c.type()));
  w.end_array();
  w.end_object();
}

protocol::answer json_answer(std::string body, std::string_view query) {
  protocol::answer a;
  a.status = 200;
  // ?jsonp=cb wraps the state as cb(...), for the old web UI's cross-origin reads.
  const auto at = query.find("jsonp=");
  if (at != std::string_view::npos && (at == 0 || query[at - 1] == '&')) {
    auto name = query.substr(at + 6);
    name = name.substr(0, name.find('&'));
    a.body = std::string(name) + "(" + body + ");";
    a.content_type = "text/javascript";
    return a;
  }
  a.body = std::move(body);
  a.content_type = "application/json";
  return a;
}

}  // namespace

std::optional<protocol::answer> cluster::impl::classic_endpoint(std::size_t master, std::string_view path,
                                                                std::string_view query) {
  const bool leading = leader_index && *leader_index == master;
  if (path == "/health" || path == "/master/health") return protocol::empty(200);
  if (path == "/version") {
    // Keys sorted, as the real /version has them.
    json_writer w;
    w.begin_object();
    w.key("build_date").value("");
    w.key("build_time").value(start_time);
    w.key("build_user").value("");
    w.key("git_branch").value("refs/heads/master");
    w.key("git_sha").value("");
    w.key("version").value(cfg.version);
    w.end_object();
    return json_answer(w.take(), {});
  }
  if (path == "/metrics/snapshot") {
    std::map<std::string, double> metrics{{"master/elected", 0},
                                          {"master/uptime_secs", detail::now_seconds() - start_time}};
    if (leading) metrics = operator_metrics();
    json_writer w;
    w.begin_object();
    for (const auto& [name, value] : metrics) w.key(name).value(value);  // a std::map: sorted, as Mesos sorts
    w.end_object();
    return json_answer(w.take(), {});
  }
  if (path != "/master/state" && path != "/state") return std::nullopt;

  const auto self = master_info(master);
  const auto state = leading ? operator_state() : Response::GetState{};
  const auto flags = leading ? operator_flags() : std::map<std::string, std::string>{};
  std::size_t active = 0, deactivated = 0;
  for (const auto& a : state.get_agents().agents()) (a.deactivated() ? deactivated : active) += 1;

  json_writer w;
  w.begin_object();
  w.key("version").value(cfg.version);
  w.key("git_sha").value("");
  w.key("git_branch").value("refs/heads/master");
  w.key("build_date").value("");
  w.key("build_time").value(start_time);
  w.key("build_user").value("");
  w.key("start_time").value(start_time);
  if (leading) w.key("elected_time").value(start_time);
  w.key("id").value(self.id());
  w.key("pid").value(self.pid());
  w.key("hostname").value(self.hostname());
  w.key("capabilities").begin_array().value("AGENT_UPDATE").value("AGENT_DRAINING").value("QUOTA_V2").end_array();
  w.key("activated_slaves").value(static_cast<double>(active));
  w.key("deactivated_slaves").value(static_cast<double>(deactivated));
  w.key("unreachable_slaves").value(0.0);
  if (leader_index) {
    const auto leader = master_info(*leader_index);
    w.key("leader").value(leader.pid());
    w.key("leader_info").begin_object();
    w.key("id").value(leader.id());
    w.key("pid").value(leader.pid());
    w.key("port").integer(leader.port());
    w.key("hostname").value(leader.hostname());
    w.end_object();
  }
  w.key("flags").begin_object();
  for (const auto& [name, value] : flags) w.key(name).value(value);
  w.end_object();
  w.key("slaves").begin_array();
  for (const auto& a : state.get_agents().agents()) agent(w, a);
  w.end_array();
  w.key("recovered_slaves").begin_array().end_array();
  w.key("frameworks").begin_array();
  for (const auto& f : state.get_frameworks().frameworks()) framework(w, f, state.get_tasks());
  w.end_array();
  w.key("completed_frameworks").begin_array();
  for (const auto& f : state.get_frameworks().completed_frameworks()) framework(w, f, state.get_tasks());
  w.end_array();
  w.key("orphan_tasks").begin_array().end_array();
  w.key("unregistered_frameworks").begin_array().end_array();
  w.end_object();
  return json_answer(w.take(), query);
}

}  // namespace mesoshttp::sim
