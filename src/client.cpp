// The scheduler client's public face: scheduler_client (its own thread or
// the caller's executor), consumers with automatic acknowledgements. The
// client itself is detail::client_impl, in scheduler/client_impl.hpp.
#include "mesoshttp/client.hpp"

#include <boost/asio/io_context.hpp>

#include <stdexcept>
#include <thread>

#include "mesoshttp/framework/acknowledgements.hpp"
#include "scheduler/client_impl.hpp"

namespace mesoshttp {

namespace asio = boost::asio;
using mesos::v1::scheduler::Call;

std::string_view to_string(connection_state state) noexcept {
  switch (state) {
    case connection_state::idle: return "idle";
    case connection_state::connecting: return "connecting";
    case connection_state::subscribed: return "subscribed";
    case connection_state::disconnected: return "disconnected";
    case connection_state::closed: return "closed";
  }
  return "unknown";
}

// ------------------------------------------------------------------ public API

namespace {
struct own_thread_state {
  asio::io_context io{1};
  std::thread thread;
};
}  // namespace

struct scheduler_client::own_thread {
  std::shared_ptr<own_thread_state> state;
};

scheduler_client::scheduler_client(client_config config) {
  auto own = std::make_shared<own_thread_state>();
  impl_ = std::make_shared<detail::client_impl>(own->io.get_executor(), std::move(config));
  impl_->wire_up();
  impl_->keep_running(own->io.get_executor());
  // The thread keeps its io_context alive, and runs until the client_impl is
  // gone, so the client may be destroyed from one of its own callbacks (the
  // thread then finishes by itself) while consumers on other threads still
  // hold handles to it.
  own->thread = std::thread([own] { own->io.run(); });
  thread_ = std::make_unique<own_thread>(own_thread{own});
}

scheduler_client::scheduler_client(asio::any_io_executor executor, client_config config)
    : impl_(std::make_shared<detail::client_impl>(std::move(executor), std::move(config))) {
  impl_->wire_up();
}

scheduler_client::~scheduler_client() {
  if (impl_) {
    // Released before the join: the thread runs until the client_impl is gone.
    auto impl = std::move(impl_);
    impl->shutdown(make_error_code(error::aborted), "client destroyed");
  }
  if (thread_) {
    auto own = thread_->state;
    if (own->thread.get_id() == std::this_thread::get_id()) {
      own->thread.detach();
    } else {
      own->thread.join();
    }
  }
}

void scheduler_client::start() { impl_->start(); }

namespace {
// Acknowledgements are calls like any other: fire and forget (logged when
// they fail), idempotent, so resent over a new subscription if need be.
std::function<void(Call)> acknowledgement_sender(std::weak_ptr<detail::client_impl> weak) {
  return [weak](Call call) {
    if (auto impl = weak.lock())
      impl->submit(
          std::move(call), [](call_result) {}, true);
  };
}
}  // namespace

event_stream scheduler_client::events(std::size_t queue_size, auto_acknowledge ack) {
  return event_stream(impl_->attach(queue_size, {}),
                      ack == auto_acknowledge::after_handling ? acknowledgement_sender(impl_) : nullptr);
}

event_subscription scheduler_client::on_event(std::function<void(const client_event&)> callback, auto_acknowledge ack) {
  if (!callback) throw std::invalid_argument("on_event: empty callback");
  if (ack == auto_acknowledge::after_handling) {
    // After the callback returned: one that throws has not handled the event.
    callback = [callback = std::move(callback), send = acknowledgement_sender(impl_)](const client_event& item) {
      callback(item);
      if (auto call = acknowledgement_for(item)) send(std::move(*call));
    };
  }
  return event_subscription(impl_->attach(0, std::move(callback)));
}

void scheduler_client::initiate_send(Call call, asio::any_completion_handler<void(call_result)> handler) {
  impl_->submit(std::move(call), std::move(handler));
}

void scheduler_client::send(Call call) {
  impl_->submit(
      std::move(call), [](call_result) {}, true);
}

void scheduler_client::shutdown() { impl_->shutdown({}, {}); }
void scheduler_client::abort(std::error_code reason) {
  impl_->shutdown(reason ? reason : make_error_code(error::aborted), "aborted: " + reason.message());
}
void scheduler_client::teardown() { impl_->teardown(); }
connection_state scheduler_client::state() const noexcept { return impl_->state(); }
std::optional<mesos::v1::FrameworkID> scheduler_client::framework_id() const { return impl_->framework_id(); }
std::string scheduler_client::master() const { return impl_->master(); }
std::shared_ptr<metrics_registry> scheduler_client::metrics() const { return impl_->registry(); }
asio::any_io_executor scheduler_client::get_executor() const noexcept { return impl_->executor(); }

}  // namespace mesoshttp
