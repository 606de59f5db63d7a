#include "registrar.hpp"

// The synchronous calls are only declared for the multi-threaded library.
#ifndef THREADED
#define THREADED 1
#endif
#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <thread>

#include "mesoshttp/codec.hpp"
#include "mesos/v1/mesos.pb.h"

namespace mesoshttp::test {

namespace {
void discard_log(const char*) {}
}  // namespace

zk_session::zk_session(const std::string& hosts, std::chrono::milliseconds session_timeout,
                       std::chrono::seconds deadline) {
  zh_ = zookeeper_init2(hosts.c_str(), &zk_session::watcher, static_cast<int>(session_timeout.count()), nullptr, this,
                        ZOO_NO_LOG_CLIENTENV, &discard_log);
  if (!zh_) throw std::runtime_error("zookeeper_init failed for " + hosts);
  if (!wait_connected(deadline)) {
    zookeeper_close(zh_);
    throw std::runtime_error("no ZooKeeper session with " + hosts);
  }
}

zk_session::~zk_session() { zookeeper_close(zh_); }

void zk_session::watcher(zhandle_t*, int type, int state, const char*, void* context) {
  if (type != ZOO_SESSION_EVENT) return;
  auto* self = static_cast<zk_session*>(context);
  std::lock_guard lock(self->mutex_);
  self->state_ = state;
  self->changed_.notify_all();
}

bool zk_session::wait_connected(std::chrono::seconds deadline) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, deadline, [this] { return state_ == ZOO_CONNECTED_STATE; });
}

bool zk_session::expired() const {
  std::lock_guard lock(mutex_);
  return state_ == ZOO_EXPIRED_SESSION_STATE;
}

void zk_session::check(int rc, const std::string& what) const {
  if (rc != ZOK) throw std::runtime_error("ZooKeeper " + what + ": " + zerror(rc));
}

ACL_vector* zk_session::acl() const { return creator_only_ ? &ZOO_CREATOR_ALL_ACL : &ZOO_OPEN_ACL_UNSAFE; }

void zk_session::authenticate_and_lock_down(const std::string& user_password) {
  struct answer {
    std::mutex mutex;
    std::condition_variable done;
    std::optional<int> rc;
  } result;
  const auto completion = [](int rc, const void* data) {
    auto* a = static_cast<answer*>(const_cast<void*>(data));
    std::lock_guard lock(a->mutex);
    a->rc = rc;
    a->done.notify_all();
  };
  check(zoo_add_auth(zh_, "digest", user_password.data(), static_cast<int>(user_password.size()), completion, &result),
        "add_auth");
  std::unique_lock lock(result.mutex);
  if (!result.done.wait_for(lock, std::chrono::seconds(30), [&] { return result.rc.has_value(); }))
    throw std::runtime_error("ZooKeeper add_auth: no answer");
  check(*result.rc, "add_auth");
  creator_only_ = true;
}

void zk_session::ensure_path(const std::string& path) {
  for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const auto prefix = path.substr(0, slash);
    const int rc = zoo_create(zh_, prefix.c_str(), nullptr, -1, acl(), ZOO_PERSISTENT, nullptr, 0);
    if (rc != ZNODEEXISTS) check(rc, "create " + prefix);
    if (slash == std::string::npos) break;
  }
}

std::string zk_session::create(const std::string& path, const std::string& data, bool ephemeral, bool sequential) {
  const int mode = ephemeral ? (sequential ? ZOO_EPHEMERAL_SEQUENTIAL : ZOO_EPHEMERAL)
                             : (sequential ? ZOO_PERSISTENT_SEQUENTIAL : ZOO_PERSISTENT);
  std::string created(path.size() + 64, '\0');
  check(zoo_create(zh_, path.c_str(), data.data(), static_cast<int>(data.size()), acl(), mode, created.data(),
                   static_cast<int>(created.size())),
        "create " + path);
  created.resize(created.find('\0'));
  return created;
}

void zk_session::set(const std::string& path, const std::string& data) {
  check(zoo_set(zh_, path.c_str(), data.data(), static_cast<int>(data.size()), -1), "set " + path);
}

void zk_session::remove(const std::string& path) { check(zoo_delete(zh_, path.c_str(), -1), "delete " + path); }

std::vector<std::string> zk_session::children(const std::string& path) {
  String_vector strings{};
  check(zoo_get_children(zh_, path.c_str(), 0, &strings), "list " + path);
  std::vector<std::string> out;
  for (int i = 0; i < strings.count; ++i) out.emplace_back(strings.data[i]);
  deallocate_String_vector(&strings);
  return out;
}

master_registrar::master_registrar(std::string hosts, std::string path, const sim::cluster& cluster)
    : hosts_(std::move(hosts)), path_(std::move(path)), cluster_(cluster) {}

master_registrar::~master_registrar() = default;

std::string master_registrar::master_info_json(std::uint16_t port, const std::string& id, const std::string& version) {
  mesos::v1::MasterInfo info;
  info.set_id(id);
  info.set_ip(16777343);  // 127.0.0.1 as a master packs it
  info.set_port(port);
  info.set_pid("master@127.0.0.1:" + std::to_string(port));
  info.set_hostname("127.0.0.1");
  info.set_version(version);
  info.mutable_address()->set_hostname("127.0.0.1");
  info.mutable_address()->set_ip("127.0.0.1");
  info.mutable_address()->set_port(port);
  std::string json;
  std::string why;
  if (mesoshttp::encode(info, mesoshttp::encoding::json, json, &why))
    throw std::runtime_error("cannot encode MasterInfo: " + why);
  return json;
}

std::string master_registrar::register_master(std::size_t i) {
  sessions_.erase(i);
  auto session = std::make_unique<zk_session>(hosts_);
  session->ensure_path(path_);
  const auto port = cluster_.port(i);
  const auto created = session->create(
      path_ + "/json.info_",
      master_info_json(port, "sim-master-" + std::to_string(i) + "-" + std::to_string(port), cluster_.config().version),
      true, true);
  nodes_[i] = created.substr(created.rfind('/') + 1);
  sessions_[i] = std::move(session);
  return nodes_[i];
}

void master_registrar::remove(std::size_t i) {
  // Closing (not deleting the node) is what a master's end looks like: the
  // server removes every ephemeral node of the session.
  const auto gone = node(i);
  sessions_.erase(i);
  nodes_.erase(i);
  if (gone.empty()) return;
  // The close request is sent, not necessarily applied: wait until the
  // server shows the node gone, so the caller's next step sees it so.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    const auto children = admin().children(path_);
    if (std::find(children.begin(), children.end(), gone) == children.end()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error(gone + " still in ZooKeeper after its session was closed");
}

zk_session& master_registrar::admin() {
  if (!admin_ || admin_->expired()) {
    admin_.reset();
    admin_ = std::make_unique<zk_session>(hosts_);
  }
  return *admin_;
}

std::string master_registrar::node(std::size_t i) const {
  auto it = nodes_.find(i);
  return it == nodes_.end() ? std::string() : it->second;
}

zk_session& master_registrar::session(std::size_t i) { return *sessions_.at(i); }

}  // namespace mesoshttp::test
