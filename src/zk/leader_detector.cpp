#include "mesoshttp/zk/leader_detector.hpp"

#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "mesoshttp/error.hpp"
#include "mesoshttp/zk/group.hpp"

namespace mesoshttp::zk {

namespace {

using strand_type = boost::asio::strand<boost::asio::any_io_executor>;

// Between ZooKeeper's threads and the detector: while open, results are posted
// to the strand. stop() closes it, so nothing is posted once it returns, and
// ZooKeeper threads never own (and so never destroy) the detector.
struct gate {
  explicit gate(strand_type s) : strand(std::move(s)) {}
  std::mutex mutex;
  bool open = true;
  strand_type strand;
  std::weak_ptr<leader_detector::impl> owner;

  template <class F>
  void post(F&& f) {
    std::lock_guard lock(mutex);
    if (open) boost::asio::post(strand, std::forward<F>(f));
  }
};

// The context of one ZooKeeper session; a new session gets a new generation,
// so late results of an old one are recognised and dropped.
struct session_ctx {
  std::shared_ptr<gate> link;
  std::uint64_t generation;
};

// One read in flight. The C client calls its completion exactly once (with
// ZCLOSING when the handle is closed first), which frees it.
struct request {
  std::shared_ptr<gate> link;
  std::uint64_t generation;
  std::uint64_t read_id;
  std::string node;
};

// The C client logs connection failures to stderr every few hundred
// milliseconds while a server is down; the detector logs what matters itself.
void discard_log(const char*) {}

void on_auth(int, const void*) {}

}  // namespace

struct leader_detector::impl {
  impl(boost::asio::any_io_executor executor, detector_config cfg, callback cb)
      : strand(boost::asio::make_strand(std::move(executor))),
        config(std::move(cfg)),
        on_change(std::move(cb)),
        link(std::make_shared<gate>(strand)),
        retry_timer(strand),
        connect_timer(strand) {}

  ~impl() { close_session(); }

  // ---- state touched from any thread
  strand_type strand;
  detector_config config;
  callback on_change;
  std::shared_ptr<gate> link;
  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};
  // Held while the callback runs, so stop() can wait for one in progress;
  // recursive so that stop() from inside the callback does not deadlock.
  std::recursive_mutex callback_mutex;
  mutable std::mutex leader_mutex;
  std::optional<std::string> current_leader;
  // The handle is used on the strand and closed by stop() on any thread.
  std::mutex session_mutex;
  zhandle_t* zh = nullptr;
  std::unique_ptr<session_ctx> ctx;

  // ---- strand only
  zk_url url;
  std::uint64_t generation = 0;
  std::uint64_t read_id = 0;
  std::string leader_node;
  bool reported_any = false;
  std::optional<std::string> reported;
  boost::asio::steady_timer retry_timer;
  std::chrono::milliseconds retry_delay{0};
  // Fires when a new session has not connected within the session timeout:
  // the C client retries unreachable servers forever, without a word.
  boost::asio::steady_timer connect_timer;
  bool session_connected = false;

  void log(log_level level, const std::string& message) const {
    if (config.logger) config.logger(level, "zk " + url.redacted() + ": " + message);
  }

  // ---------------------------------------------------------------- sessions

  void close_session() {
    std::lock_guard lock(session_mutex);
    close_session_locked();
  }

  void close_session_locked() {
    if (zh) {
      // Joins the client's threads and completes pending reads with
      // ZCLOSING; never called on a ZooKeeper thread (it would deadlock).
      zookeeper_close(zh);
      zh = nullptr;
    }
    ctx.reset();
  }

  void open_session() {
    std::string failure;
    {
      std::lock_guard lock(session_mutex);
      if (stopped) return;
      close_session_locked();
      ++generation;
      ctx = std::make_unique<session_ctx>(session_ctx{link, generation});
      const auto timeout =
          static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(config.session_timeout.count(), 1, 0x7fffffff));
      errno = 0;
      zh = zookeeper_init2(url.hosts.c_str(), &on_session_event, timeout, nullptr, ctx.get(), ZOO_NO_LOG_CLIENTENV,
                           &discard_log);
      if (!zh) {
        failure = std::strerror(errno);
        ctx.reset();
      } else if (url.credentials) {
        zoo_add_auth(zh, "digest", url.credentials->data(), static_cast<int>(url.credentials->size()), &on_auth,
                     nullptr);
      }
    }
    if (!failure.empty()) {
      log(log_level::error, "cannot create a ZooKeeper session: " + failure);
      retry_later([](impl& self) { self.open_session(); });
      return;
    }
    log(log_level::debug, "ZooKeeper session requested");
    session_connected = false;
    connect_timer.expires_after(config.session_timeout);
    connect_timer.async_wait(
        boost::asio::bind_executor(strand, [weak = link->owner, expected = generation](boost::system::error_code ec) {
          auto self = weak.lock();
          if (ec || !self || !self->current(expected) || self->session_connected) return;
          self->report(std::nullopt, "no ZooKeeper session with " + self->url.hosts + " after " +
                                         std::to_string(self->config.session_timeout.count()) +
                                         " ms (servers unreachable?); still trying");
        }));
  }

  template <class F>
  void retry_later(F what) {
    retry_delay = std::min<std::chrono::milliseconds>(
        std::max<std::chrono::milliseconds>(retry_delay * 2, std::chrono::milliseconds(500)), std::chrono::seconds(10));
    retry_timer.expires_after(retry_delay);
    const auto expected = generation;
    retry_timer.async_wait(
        boost::asio::bind_executor(strand, [weak = link->owner, expected, what](boost::system::error_code ec) {
          auto self = weak.lock();
          if (ec || !self || self->stopped) return;
          // A session opened meanwhile made this retry moot.
          if (self->generation != expected) return;
          what(*self);
        }));
  }

  // ---------------------------------------------------------------- ZooKeeper threads

  static void on_session_event(zhandle_t*, int type, int state, const char*, void* context) {
    if (type != ZOO_SESSION_EVENT) return;
    auto* c = static_cast<session_ctx*>(context);
    c->link->post([weak = c->link->owner, generation = c->generation, state] {
      if (auto self = weak.lock()) self->session_state(generation, state);
    });
  }

  // Watches on the children and on the leader's node: any change means
  // "read again" (which also sets the watches again: they fire once).
  static void on_watch(zhandle_t*, int type, int, const char*, void* context) {
    // Session events reach every watcher; the session watcher handles them.
    if (type == ZOO_SESSION_EVENT) return;
    auto* c = static_cast<session_ctx*>(context);
    c->link->post([weak = c->link->owner, generation = c->generation] {
      if (auto self = weak.lock(); self && self->current(generation)) self->refresh();
    });
  }

  static void on_children(int rc, const String_vector* strings, const void* data) {
    std::unique_ptr<request> req(static_cast<request*>(const_cast<void*>(data)));
    std::vector<std::string> children;
    if (rc == ZOK && strings) {
      for (int i = 0; i < strings->count; ++i) children.emplace_back(strings->data[i]);
    }
    auto link = req->link;
    link->post([weak = link->owner, r = std::move(req), rc, c = std::move(children)]() mutable {
      if (auto self = weak.lock()) self->children_read(*r, rc, std::move(c));
    });
  }

  static void on_data(int rc, const char* value, int length, const Stat*, const void* data) {
    std::unique_ptr<request> req(static_cast<request*>(const_cast<void*>(data)));
    std::string text;
    if (rc == ZOK && value && length > 0) text.assign(value, static_cast<std::size_t>(length));
    auto link = req->link;
    link->post([weak = link->owner, r = std::move(req), rc, t = std::move(text)]() mutable {
      if (auto self = weak.lock()) self->data_read(*r, rc, std::move(t));
    });
  }

  static void on_exists(int rc, const Stat*, const void* data) {
    std::unique_ptr<request> req(static_cast<request*>(const_cast<void*>(data)));
    if (rc != ZOK) return;  // ZNONODE: the watch is set and fires on creation
    auto link = req->link;
    link->post([weak = link->owner, generation = req->generation] {
      if (auto self = weak.lock(); self && self->current(generation)) self->refresh();
    });
  }

  // ---------------------------------------------------------------- strand

  bool current(std::uint64_t gen) const { return !stopped && gen == generation; }

  void session_state(std::uint64_t gen, int state) {
    if (!current(gen)) return;
    if (state == ZOO_CONNECTED_STATE) {
      log(log_level::info, "connected to ZooKeeper");
      session_connected = true;
      connect_timer.cancel();
      retry_delay = std::chrono::milliseconds(0);
      // Watches survive a reconnection within the session, but a change made
      // while disconnected may have been missed: read everything again.
      refresh();
    } else if (state == ZOO_CONNECTING_STATE || state == ZOO_ASSOCIATING_STATE) {
      log(log_level::warning, "lost the ZooKeeper connection; reconnecting, keeping the leader " +
                                  reported.value_or("(none)") + " meanwhile");
    } else if (state == ZOO_EXPIRED_SESSION_STATE) {
      log(log_level::warning, "ZooKeeper session expired; opening a new one");
      report(std::nullopt, "the ZooKeeper session expired; the leader is unknown until a new session reads it");
      open_session();
    } else if (state == ZOO_AUTH_FAILED_STATE) {
      log(log_level::error, "ZooKeeper authentication failed");
      report(std::nullopt, "ZooKeeper authentication failed");
      retry_later([](impl& self) { self.open_session(); });
    }
  }

  void refresh() {
    std::lock_guard lock(session_mutex);
    if (!zh || stopped) return;
    auto* req = new request{link, generation, ++read_id, {}};
    const int rc = zoo_awget_children(zh, url.path.c_str(), &on_watch, ctx.get(), &on_children, req);
    if (rc != ZOK) {
      // Not sent, so no completion: ZINVALIDSTATE (expired or auth failed)
      // is followed by a session event that handles it.
      delete req;
      log(log_level::debug, std::string("cannot list children: ") + zerror(rc));
    }
  }

  void children_read(const request& req, int rc, std::vector<std::string> children) {
    if (!current(req.generation) || req.read_id != read_id) return;
    if (rc == ZOK) {
      auto node = leader_of(children);
      if (!node) {
        leader_node.clear();
        report(std::nullopt, "no master is registered in ZooKeeper under " + url.path);
        return;
      }
      leader_node = *node;
      read_leader();
    } else if (rc == ZNONODE) {
      leader_node.clear();
      report(std::nullopt, url.path + " does not exist in ZooKeeper (no master has registered yet)");
      watch_path();
    } else if (rc == ZNOAUTH) {
      leader_node.clear();
      report(std::nullopt, "not authorised to read " + url.path + " in ZooKeeper");
      retry_later([](impl& self) { self.refresh(); });
    } else if (rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT || rc == ZSESSIONEXPIRED || rc == ZCLOSING) {
      // The session event that follows (connected again, or expired) reads again.
    } else {
      log(log_level::warning, std::string("listing ") + url.path + " failed: " + zerror(rc));
      retry_later([](impl& self) { self.refresh(); });
    }
  }

  void read_leader() {
    std::lock_guard lock(session_mutex);
    if (!zh || stopped) return;
    auto* req = new request{link, generation, read_id, leader_node};
    const auto path = (url.path == "/" ? std::string() : url.path) + "/" + leader_node;
    const int rc = zoo_awget(zh, path.c_str(), &on_watch, ctx.get(), &on_data, req);
    if (rc != ZOK) delete req;
  }

  void watch_path() {
    std::lock_guard lock(session_mutex);
    if (!zh || stopped) return;
    auto* req = new request{link, generation, read_id, {}};
    const int rc = zoo_awexists(zh, url.path.c_str(), &on_watch, ctx.get(), &on_exists, req);
    if (rc != ZOK) delete req;
  }

  void data_read(const request& req, int rc, std::string text) {
    if (!current(req.generation) || req.read_id != read_id || req.node != leader_node) return;
    if (rc == ZOK) {
      std::string leader_url;
      std::string why;
      if (parse_master_info_json(text, leader_url, &why)) {
        report(std::nullopt, "the leader's znode " + req.node + " holds no usable MasterInfo: " + why);
        return;
      }
      report(leader_url, "leading master is " + req.node);
    } else if (rc == ZNONODE) {
      // The leader went away between the listing and this read.
      refresh();
    } else if (rc == ZNOAUTH) {
      report(std::nullopt, "not authorised to read " + req.node + " in ZooKeeper");
      retry_later([](impl& self) { self.refresh(); });
    } else if (rc != ZCONNECTIONLOSS && rc != ZOPERATIONTIMEOUT && rc != ZSESSIONEXPIRED && rc != ZCLOSING) {
      log(log_level::warning, "reading " + req.node + " failed: " + zerror(rc));
      retry_later([](impl& self) { self.refresh(); });
    }
  }

  void report(std::optional<std::string> leader_url, std::string reason) {
    {
      std::lock_guard lock(leader_mutex);
      current_leader = leader_url;
    }
    if (reported_any && reported == leader_url) return;
    reported_any = true;
    reported = leader_url;
    log(log_level::info, leader_url ? "leader: " + *leader_url : "no leader: " + reason);
    deliver({}, std::move(leader_url), std::move(reason));
  }

  void deliver(std::error_code ec, std::optional<std::string> leader_url, std::string reason) {
    std::lock_guard lock(callback_mutex);
    if (stopped || !on_change) return;
    try {
      on_change(ec, std::move(leader_url), std::move(reason));
    } catch (const std::exception& e) {
      // The detector keeps watching: one bad callback must not stop leader tracking.
      log(log_level::error, std::string("leader callback threw: ") + e.what());
    }
  }

  void begin() {
    if (stopped) return;
    std::string why;
    if (auto ec = parse_zk_url(config.url, url, &why)) {
      deliver(ec, std::nullopt, "invalid ZooKeeper URL: " + why);
      return;
    }
    open_session();
  }

  void end() {
    if (stopped.exchange(true)) return;
    // Waits for a callback running on another thread; re-entrant from inside one.
    { std::lock_guard lock(callback_mutex); }
    {
      std::lock_guard lock(link->mutex);
      link->open = false;
    }
    close_session();
  }
};

std::shared_ptr<leader_detector> leader_detector::create(boost::asio::any_io_executor executor, detector_config config,
                                                         callback on_change) {
  auto state = std::make_shared<impl>(std::move(executor), std::move(config), std::move(on_change));
  state->link->owner = state;
  return std::shared_ptr<leader_detector>(new leader_detector(std::move(state)));
}

leader_detector::leader_detector(std::shared_ptr<impl> state) : impl_(std::move(state)) {}

leader_detector::~leader_detector() { stop(); }

void leader_detector::start() {
  if (impl_->started.exchange(true)) return;
  boost::asio::post(impl_->strand, [state = impl_] { state->begin(); });
}

void leader_detector::stop() {
  impl_->end();
  // The retry timer would otherwise keep the executor's run() busy.
  boost::asio::post(impl_->strand, [state = impl_] {
    state->retry_timer.cancel();
    state->connect_timer.cancel();
  });
}

std::optional<std::string> leader_detector::leader() const {
  std::lock_guard lock(impl_->leader_mutex);
  return impl_->current_leader;
}

}  // namespace mesoshttp::zk
