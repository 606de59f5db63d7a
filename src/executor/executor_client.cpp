// The executor client's public face (executor_client.hpp) and its consumer
// handles; the client itself is detail::executor_client_impl (client_impl.hpp).
#include "mesoshttp/executor/executor_client.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/system_executor.hpp>

#include <stdexcept>

#include "executor/client_impl.hpp"

namespace mesoshttp::executor {

namespace asio = boost::asio;

namespace {
void release(std::shared_ptr<detail::executor_consumer>& consumer) {
  if (!consumer) return;
  auto c = std::move(consumer);
  consumer.reset();
  c->detach(make_error_code(error::detached));
}

call_result refusal(std::error_code ec, std::string message) {
  call_result r;
  r.error = ec;
  r.message = std::move(message);
  return r;
}
}  // namespace

// ------------------------------------------------------------------ consumers

executor_event_stream& executor_event_stream::operator=(executor_event_stream&& other) noexcept {
  if (this != &other) {
    detach();
    consumer_ = std::move(other.consumer_);
  }
  return *this;
}

executor_event_stream::~executor_event_stream() { detach(); }

void executor_event_stream::detach() { release(consumer_); }

void executor_event_stream::initiate_next(asio::any_completion_handler<void(std::error_code, executor_event)> handler) {
  if (!consumer_) {
    asio::post(asio::system_executor(),
               asio::append(std::move(handler), make_error_code(error::not_attached), executor_event{}));
    return;
  }
  consumer_->async_pop(std::move(handler));
}

std::optional<executor_event> executor_event_stream::next(std::chrono::milliseconds timeout, std::error_code* ec) {
  if (!consumer_) {
    if (ec) *ec = make_error_code(error::not_attached);
    return std::nullopt;
  }
  return consumer_->pop_for(timeout, ec);
}

executor_event_subscription& executor_event_subscription::operator=(executor_event_subscription&& other) noexcept {
  if (this != &other) {
    detach();
    consumer_ = std::move(other.consumer_);
  }
  return *this;
}

executor_event_subscription::~executor_event_subscription() { detach(); }

void executor_event_subscription::detach() { release(consumer_); }

// ------------------------------------------------------------------ client

executor_client::executor_client(asio::any_io_executor executor, executor_config config,
                                 executor_client_options options)
    : config_(config),
      impl_(
          std::make_shared<detail::executor_client_impl>(std::move(executor), std::move(config), std::move(options))) {
  impl_->wire_up();
}

executor_client::~executor_client() {
  if (impl_) impl_->close_from_outside(make_error_code(error::aborted), "the executor client was destroyed");
}

void executor_client::start() { impl_->start(); }

executor_event_stream executor_client::events(std::size_t queue_size) {
  return executor_event_stream(impl_->attach(queue_size, {}));
}

executor_event_subscription executor_client::on_event(std::function<void(const executor_event&)> callback) {
  if (!callback) throw std::invalid_argument("executor_client::on_event: empty callback");
  return executor_event_subscription(impl_->attach(0, std::move(callback)));
}

mesos::v1::TaskStatus executor_client::prepare(mesos::v1::TaskStatus status, std::string& uuid) const {
  uuid = random_uuid_bytes();
  status.set_uuid(uuid);
  if (!status.has_source()) status.set_source(mesos::v1::TaskStatus::SOURCE_EXECUTOR);
  if (!status.has_executor_id()) status.mutable_executor_id()->set_value(config_.executor_id);
  return status;
}

void executor_client::initiate_update(mesos::v1::TaskStatus status,
                                      asio::any_completion_handler<void(call_result)> handler) {
  if (auto why = update_refusal(status)) {
    asio::post(impl_->executor(),
               asio::append(std::move(handler), refusal(make_error_code(error::invalid_argument),
                                                        "UPDATE not sent: the agent would refuse it: " + *why)));
    return;
  }
  impl_->submit_update(executor::update(impl_->ids(), std::move(status)), std::move(handler), false);
}

std::string executor_client::update(mesos::v1::TaskStatus status) {
  std::string uuid;
  auto prepared = prepare(std::move(status), uuid);
  if (auto why = update_refusal(prepared)) {
    impl_->warn("UPDATE not sent: the agent would refuse it: " + *why);
    return uuid;
  }
  impl_->submit_update(
      executor::update(impl_->ids(), std::move(prepared)), [](call_result) {}, true);
  return uuid;
}

void executor_client::initiate_message(std::string data, asio::any_completion_handler<void(call_result)> handler) {
  impl_->submit(executor::message(impl_->ids(), std::move(data)), std::move(handler), false);
}

void executor_client::message(std::string data) {
  impl_->submit(
      executor::message(impl_->ids(), std::move(data)), [](call_result) {}, true);
}

void executor_client::shutdown() { impl_->close_from_outside({}, "shut down"); }

void executor_client::abort(std::error_code reason) { impl_->close_from_outside(reason, "aborted"); }

connection_state executor_client::state() const noexcept { return impl_->state(); }

std::size_t executor_client::unacknowledged_updates() const noexcept { return impl_->unacknowledged(); }

asio::any_io_executor executor_client::get_executor() const noexcept { return impl_->executor(); }

}  // namespace mesoshttp::executor
