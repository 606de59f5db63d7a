#include "mesoshttp/operator/cluster_mirror.hpp"

#include <algorithm>
#include <deque>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "mesoshttp/calls.hpp"

namespace mesoshttp::operator_api {

namespace master = mesos::v1::master;

scalar_resources& scalar_resources::operator+=(const scalar_resources& other) {
  cpus += other.cpus;
  mem += other.mem;
  disk += other.disk;
  gpus += other.gpus;
  return *this;
}

scalar_resources& scalar_resources::operator-=(const scalar_resources& other) {
  cpus -= other.cpus;
  mem -= other.mem;
  disk -= other.disk;
  gpus -= other.gpus;
  return *this;
}

scalar_resources sum_scalars(const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& resources) {
  scalar_resources sum;
  for (const auto& r : resources) {
    if (r.type() != mesos::v1::Value::SCALAR || !r.has_scalar()) continue;
    const double v = r.scalar().value();
    const std::string& name = r.name();
    if (name == "cpus")
      sum.cpus += v;
    else if (name == "mem")
      sum.mem += v;
    else if (name == "disk")
      sum.disk += v;
    else if (name == "gpus")
      sum.gpus += v;
  }
  return sum;
}

namespace {

// Tasks are found by (framework id, task id) on every TASK_UPDATED: the
// lookup takes views of the event's strings, so the hot path allocates nothing.
struct task_key {
  std::string framework_id;
  std::string task_id;
};
struct task_key_view {
  std::string_view framework_id;
  std::string_view task_id;
};
struct task_key_hash {
  using is_transparent = void;
  std::size_t operator()(task_key_view k) const noexcept {
    const std::size_t a = std::hash<std::string_view>{}(k.framework_id);
    const std::size_t b = std::hash<std::string_view>{}(k.task_id);
    return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
  }
  std::size_t operator()(const task_key& k) const noexcept { return (*this)(task_key_view{k.framework_id, k.task_id}); }
};
struct task_key_equal {
  using is_transparent = void;
  static task_key_view view(const task_key& k) { return {k.framework_id, k.task_id}; }
  static task_key_view view(task_key_view k) { return k; }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const noexcept {
    const auto x = view(a);
    const auto y = view(b);
    return x.framework_id == y.framework_id && x.task_id == y.task_id;
  }
};

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct task_entry {
  mesos::v1::Task task;
  scalar_resources resources;  // the task's scalars, summed once
};

struct usage {
  scalar_resources used;
  std::size_t active_tasks = 0;
};

struct agent_entry {
  master::Response::GetAgents::Agent info;
  scalar_resources total;
};

struct framework_entry {
  master::Response::GetFrameworks::Framework info;
  bool completed = false;
};

template <class Map>
using string_map = std::unordered_map<std::string, Map, string_hash, std::equal_to<>>;

}  // namespace

struct cluster_mirror::state {
  explicit state(mirror_config c) : config(c) {}

  mirror_config config;
  mutable std::shared_mutex mutex;
  bool current = false;
  mirror_counters counters;

  std::unordered_map<task_key, task_entry, task_key_hash, task_key_equal> tasks;
  std::deque<task_key> completed_tasks;  // terminal tasks, oldest first
  string_map<agent_entry> agents;
  string_map<framework_entry> frameworks;
  std::deque<std::string> completed_frameworks;  // oldest first
  // Kept by id apart from the agents and frameworks themselves: a task may
  // arrive before its agent or outlive it, and its use must still add up.
  string_map<usage> agent_usage;
  string_map<usage> framework_usage;

  void clear() {
    tasks.clear();
    completed_tasks.clear();
    agents.clear();
    frameworks.clear();
    completed_frameworks.clear();
    agent_usage.clear();
    framework_usage.clear();
  }

  void count_live(const task_entry& e, int sign) {
    auto& a = agent_usage[e.task.agent_id().value()];
    auto& f = framework_usage[e.task.framework_id().value()];
    if (sign > 0) {
      a.used += e.resources;
      f.used += e.resources;
      ++a.active_tasks;
      ++f.active_tasks;
    } else {
      a.used -= e.resources;
      f.used -= e.resources;
      --a.active_tasks;
      --f.active_tasks;
    }
  }

  void remember_completed(task_key key) {
    completed_tasks.push_back(std::move(key));
    while (completed_tasks.size() > config.max_completed_tasks) {
      const auto& oldest = completed_tasks.front();
      auto it = tasks.find(task_key_view{oldest.framework_id, oldest.task_id});
      if (it != tasks.end() && calls::is_terminal(it->second.task.state())) {
        tasks.erase(it);
        ++counters.forgotten_tasks;
      }
      completed_tasks.pop_front();
    }
  }

  void add_task(mesos::v1::Task&& task) {
    task_entry entry;
    entry.resources = sum_scalars(task.resources());
    entry.task = std::move(task);
    // Only the latest status is kept (see the header).
    auto* statuses = entry.task.mutable_statuses();
    if (statuses->size() > 1) statuses->DeleteSubrange(0, statuses->size() - 1);
    task_key key{entry.task.framework_id().value(), entry.task.task_id().value()};
    auto it = tasks.find(task_key_view{key.framework_id, key.task_id});
    if (it != tasks.end()) {
      // The same task again (a snapshot listing it twice, a repeated event):
      // the newer description wins and its use is counted once.
      if (!calls::is_terminal(it->second.task.state())) count_live(it->second, -1);
      it->second = std::move(entry);
    } else {
      it = tasks.emplace(key, std::move(entry)).first;
    }
    if (calls::is_terminal(it->second.task.state()))
      remember_completed(std::move(key));
    else
      count_live(it->second, +1);
  }

  apply_result update_task(const mesos::v1::FrameworkID& framework_id, mesos::v1::TaskStatus&& status,
                           mesos::v1::TaskState new_state) {
    auto it = tasks.find(task_key_view{framework_id.value(), status.task_id().value()});
    if (it == tasks.end()) {
      ++counters.skipped;
      return {apply_outcome::skipped, "TASK_UPDATED for task " + status.task_id().value() + " of framework " +
                                          framework_id.value() + ", which the mirror does not know"};
    }
    auto& entry = it->second;
    const bool was_live = !calls::is_terminal(entry.task.state());
    const bool is_live = !calls::is_terminal(new_state);
    entry.task.set_state(new_state);
    auto* statuses = entry.task.mutable_statuses();
    if (statuses->empty())
      statuses->Add(std::move(status));
    else
      statuses->Mutable(0)->Swap(&status);
    if (was_live && !is_live) {
      count_live(entry, -1);
      remember_completed(it->first);
    } else if (!was_live && is_live) {
      count_live(entry, +1);  // a master does not do this; counted so the sums still hold if one did
    }
    return {apply_outcome::changed, {}};
  }

  void upsert_framework(master::Response::GetFrameworks::Framework&& info, bool completed) {
    const std::string id = info.framework_info().id().value();
    auto& entry = frameworks[id];
    entry.info = std::move(info);
    entry.completed = completed;
    if (completed) remember_completed_framework(id);
  }

  void remember_completed_framework(const std::string& id) {
    completed_frameworks.push_back(id);
    while (completed_frameworks.size() > config.max_completed_frameworks) {
      auto it = frameworks.find(completed_frameworks.front());
      if (it != frameworks.end() && it->second.completed) frameworks.erase(it);
      completed_frameworks.pop_front();
    }
  }

  void upsert_agent(master::Response::GetAgents::Agent&& info) {
    const std::string id = info.agent_info().id().value();
    auto& entry = agents[id];
    entry.total = sum_scalars(info.total_resources());
    entry.info = std::move(info);
  }

  void reset(master::Response::GetState&& snapshot) {
    clear();
    auto* agents_answer = snapshot.mutable_get_agents();
    for (auto& a : *agents_answer->mutable_agents()) upsert_agent(std::move(a));
    // Agents a failed-over master knows from its registry but that have not
    // come back yet: listed, inactive, with what they registered.
    for (auto& info : *agents_answer->mutable_recovered_agents()) {
      master::Response::GetAgents::Agent a;
      *a.mutable_total_resources() = info.resources();
      *a.mutable_agent_info() = std::move(info);
      a.set_active(false);
      upsert_agent(std::move(a));
    }
    auto* frameworks_answer = snapshot.mutable_get_frameworks();
    for (auto& f : *frameworks_answer->mutable_frameworks()) upsert_framework(std::move(f), false);
    for (auto& f : *frameworks_answer->mutable_completed_frameworks()) upsert_framework(std::move(f), true);
    auto* tasks_answer = snapshot.mutable_get_tasks();
    for (auto& t : *tasks_answer->mutable_completed_tasks()) add_task(std::move(t));
    for (auto& t : *tasks_answer->mutable_tasks()) add_task(std::move(t));
    for (auto& t : *tasks_answer->mutable_unreachable_tasks()) add_task(std::move(t));
  }

  apply_result apply(master::Event&& event) {
    ++counters.events;
    auto skip = [this](std::string reason) {
      ++counters.skipped;
      return apply_result{apply_outcome::skipped, std::move(reason)};
    };
    switch (event.type()) {
      case master::Event::SUBSCRIBED:
        if (!event.has_subscribed()) return skip("SUBSCRIBED without its subscribed field");
        reset(std::move(*event.mutable_subscribed()->mutable_get_state()));
        ++counters.snapshots;
        current = true;
        return {apply_outcome::replaced, {}};
      case master::Event::TASK_ADDED:
        if (!event.has_task_added()) return skip("TASK_ADDED without its task_added field");
        add_task(std::move(*event.mutable_task_added()->mutable_task()));
        return {apply_outcome::changed, {}};
      case master::Event::TASK_UPDATED: {
        if (!event.has_task_updated()) return skip("TASK_UPDATED without its task_updated field");
        auto* u = event.mutable_task_updated();
        const auto new_state = u->state();
        return update_task(u->framework_id(), std::move(*u->mutable_status()), new_state);
      }
      case master::Event::FRAMEWORK_ADDED:
      case master::Event::FRAMEWORK_UPDATED: {
        const bool added = event.type() == master::Event::FRAMEWORK_ADDED;
        if (added ? !event.has_framework_added() : !event.has_framework_updated())
          return skip(std::string(added ? "FRAMEWORK_ADDED" : "FRAMEWORK_UPDATED") + " without its framework");
        auto* f = added ? event.mutable_framework_added()->mutable_framework()
                        : event.mutable_framework_updated()->mutable_framework();
        // An update for a framework the mirror has not seen still carries the
        // whole framework: it is taken, not skipped.
        upsert_framework(std::move(*f), false);
        return {apply_outcome::changed, {}};
      }
      case master::Event::FRAMEWORK_REMOVED: {
        if (!event.has_framework_removed()) return skip("FRAMEWORK_REMOVED without its framework_removed field");
        const std::string& id = event.framework_removed().framework_info().id().value();
        auto it = frameworks.find(id);
        if (it == frameworks.end())
          return skip("FRAMEWORK_REMOVED for framework " + id + ", which the mirror does not know");
        if (it->second.completed) return {apply_outcome::changed, {}};
        it->second.completed = true;
        it->second.info.set_active(false);
        it->second.info.set_connected(false);
        *it->second.info.mutable_framework_info() =
            std::move(*event.mutable_framework_removed()->mutable_framework_info());
        remember_completed_framework(id);
        return {apply_outcome::changed, {}};
      }
      case master::Event::AGENT_ADDED:
        if (!event.has_agent_added()) return skip("AGENT_ADDED without its agent_added field");
        upsert_agent(std::move(*event.mutable_agent_added()->mutable_agent()));
        return {apply_outcome::changed, {}};
      case master::Event::AGENT_REMOVED: {
        if (!event.has_agent_removed()) return skip("AGENT_REMOVED without its agent_removed field");
        const std::string& id = event.agent_removed().agent_id().value();
        if (agents.erase(id) == 0) return skip("AGENT_REMOVED for agent " + id + ", which the mirror does not know");
        return {apply_outcome::changed, {}};
      }
      case master::Event::HEARTBEAT:
      case master::Event::UNKNOWN:
      default: return {apply_outcome::ignored, {}};
    }
  }

  agent_view view_of(const std::string& id, const agent_entry& a) const {
    agent_view v;
    v.id = id;
    v.hostname = a.info.agent_info().hostname();
    v.active = a.info.active();
    v.deactivated = a.info.deactivated();
    v.draining = a.info.has_drain_info();
    v.total = a.total;
    if (auto u = agent_usage.find(id); u != agent_usage.end()) {
      v.used = u->second.used;
      v.active_tasks = u->second.active_tasks;
    }
    v.free = v.total;
    v.free -= v.used;
    return v;
  }

  framework_view view_of(const std::string& id, const framework_entry& f) const {
    framework_view v;
    v.id = id;
    const auto& info = f.info.framework_info();
    v.name = info.name();
    v.roles.assign(info.roles().begin(), info.roles().end());
    // FrameworkInfo.role is deprecated in favour of roles, and still what a
    // framework without MULTI_ROLE registers with.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    if (v.roles.empty() && info.has_role()) v.roles.push_back(info.role());
#pragma GCC diagnostic pop
    v.active = f.info.active();
    v.connected = f.info.connected();
    v.completed = f.completed;
    if (auto u = framework_usage.find(id); u != framework_usage.end()) {
      v.used = u->second.used;
      v.active_tasks = u->second.active_tasks;
    }
    return v;
  }

  static task_view view_of(const task_entry& e) {
    task_view v;
    v.framework_id = e.task.framework_id().value();
    v.task_id = e.task.task_id().value();
    v.name = e.task.name();
    v.agent_id = e.task.agent_id().value();
    v.state = e.task.state();
    v.resources = e.resources;
    if (!e.task.statuses().empty()) v.message = e.task.statuses(0).message();
    return v;
  }
};

cluster_mirror::cluster_mirror(mirror_config config) : state_(std::make_unique<state>(config)) {}
cluster_mirror::~cluster_mirror() = default;

apply_result cluster_mirror::apply(const master::Event& event) {
  master::Event copy = event;
  return apply(std::move(copy));
}

apply_result cluster_mirror::apply(master::Event&& event) {
  std::unique_lock lock(state_->mutex);
  return state_->apply(std::move(event));
}

void cluster_mirror::reset(const master::Response::GetState& snapshot) {
  master::Response::GetState copy = snapshot;
  std::unique_lock lock(state_->mutex);
  state_->reset(std::move(copy));
}

void cluster_mirror::mark_stale() {
  std::unique_lock lock(state_->mutex);
  state_->current = false;
}

bool cluster_mirror::current() const {
  std::shared_lock lock(state_->mutex);
  return state_->current;
}

std::vector<agent_view> cluster_mirror::agents() const {
  std::shared_lock lock(state_->mutex);
  std::vector<agent_view> out;
  out.reserve(state_->agents.size());
  for (const auto& [id, a] : state_->agents) out.push_back(state_->view_of(id, a));
  lock.unlock();
  std::sort(out.begin(), out.end(), [](const agent_view& x, const agent_view& y) {
    return std::tie(x.hostname, x.id) < std::tie(y.hostname, y.id);
  });
  return out;
}

std::optional<agent_view> cluster_mirror::agent(std::string_view agent_id) const {
  std::shared_lock lock(state_->mutex);
  auto it = state_->agents.find(agent_id);
  if (it == state_->agents.end()) return std::nullopt;
  return state_->view_of(it->first, it->second);
}

std::optional<master::Response::GetAgents::Agent> cluster_mirror::agent_info(std::string_view agent_id) const {
  std::shared_lock lock(state_->mutex);
  auto it = state_->agents.find(agent_id);
  if (it == state_->agents.end()) return std::nullopt;
  return it->second.info;
}

std::vector<framework_view> cluster_mirror::frameworks() const {
  std::shared_lock lock(state_->mutex);
  std::vector<framework_view> out;
  out.reserve(state_->frameworks.size());
  for (const auto& [id, f] : state_->frameworks) out.push_back(state_->view_of(id, f));
  lock.unlock();
  std::sort(out.begin(), out.end(), [](const framework_view& x, const framework_view& y) {
    return std::tie(x.completed, x.name, x.id) < std::tie(y.completed, y.name, y.id);
  });
  return out;
}

std::optional<framework_view> cluster_mirror::framework(std::string_view framework_id) const {
  std::shared_lock lock(state_->mutex);
  auto it = state_->frameworks.find(framework_id);
  if (it == state_->frameworks.end()) return std::nullopt;
  return state_->view_of(it->first, it->second);
}

std::vector<task_view> cluster_mirror::tasks(std::optional<mesos::v1::TaskState> state_filter) const {
  std::shared_lock lock(state_->mutex);
  std::vector<task_view> out;
  for (const auto& [key, e] : state_->tasks)
    if (!state_filter || e.task.state() == *state_filter) out.push_back(state::view_of(e));
  lock.unlock();
  std::sort(out.begin(), out.end(), [](const task_view& x, const task_view& y) {
    return std::tie(x.framework_id, x.task_id) < std::tie(y.framework_id, y.task_id);
  });
  return out;
}

std::optional<mesos::v1::Task> cluster_mirror::task(std::string_view framework_id, std::string_view task_id) const {
  std::shared_lock lock(state_->mutex);
  auto it = state_->tasks.find(task_key_view{framework_id, task_id});
  if (it == state_->tasks.end()) return std::nullopt;
  return it->second.task;
}

std::map<mesos::v1::TaskState, std::size_t> cluster_mirror::task_counts() const {
  std::shared_lock lock(state_->mutex);
  std::map<mesos::v1::TaskState, std::size_t> counts;
  for (const auto& [key, e] : state_->tasks) ++counts[e.task.state()];
  return counts;
}

scalar_resources cluster_mirror::total_resources() const {
  std::shared_lock lock(state_->mutex);
  scalar_resources sum;
  for (const auto& [id, a] : state_->agents) sum += a.total;
  return sum;
}

scalar_resources cluster_mirror::used_resources() const {
  std::shared_lock lock(state_->mutex);
  scalar_resources sum;
  for (const auto& [id, u] : state_->agent_usage) sum += u.used;
  return sum;
}

mirror_counters cluster_mirror::counters() const {
  std::shared_lock lock(state_->mutex);
  return state_->counters;
}

}  // namespace mesoshttp::operator_api
