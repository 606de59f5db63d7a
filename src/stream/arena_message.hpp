// A decoded event's home: an empty message in an arena of its own, shared by
// every consumer and freed with the last one's copy. An event is many small
// messages (SUBSCRIBED of a large cluster, millions); an arena allocates them
// in a few blocks and frees them at once. For any API's event type.
#pragma once

#include <google/protobuf/arena.h>

#include <algorithm>
#include <cstddef>
#include <memory>

namespace mesoshttp::detail {

template <class Message>
std::shared_ptr<Message> make_arena_message(std::size_t wire_size) {
  struct holder {
    explicit holder(const google::protobuf::ArenaOptions& options) : arena(options) {}
    google::protobuf::Arena arena;
  };
  google::protobuf::ArenaOptions options;
  // Decoded messages take a few times their wire size; one block is enough
  // for most events, and small ones do not reserve much.
  options.start_block_size = std::clamp<std::size_t>(wire_size * 4, 256, 1u << 20);
  options.max_block_size = 4u << 20;
  auto h = std::make_shared<holder>(options);
  Message* message = google::protobuf::Arena::CreateMessage<Message>(&h->arena);
  return std::shared_ptr<Message>(std::move(h), message);
}

}  // namespace mesoshttp::detail
