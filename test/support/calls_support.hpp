// What the call-builder tests share: an offer as a real master sends it, read
// from protobuf text format.
#pragma once

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "quiet_protobuf_warnings.hpp"

#include <string>

#include "mesoshttp/calls.hpp"

namespace mesoshttp::test {

namespace calls = mesoshttp::calls;
namespace ops = mesoshttp::calls::ops;
namespace v1 = mesos::v1;
using google::protobuf::util::MessageDifferencer;
using mesos::v1::scheduler::Call;

inline v1::Offer offer_from_text(const std::string& text) {
  v1::Offer offer;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &offer)) << text;
  return offer;
}

// An offer as a real 1.11 master sends it (see the captures), plus a
// reserved cpus piece and a persistent volume the task helper must skip.
inline v1::Offer sample_offer() {
  return offer_from_text(R"pb(
    id { value: "O1" }
    framework_id { value: "F1" }
    agent_id { value: "S0" }
    hostname: "h"
    resources {
      name: "ports"
      type: RANGES
      ranges { range { begin: 31000 end: 32000 } }
      role: "*"
      allocation_info { role: "*" }
    }
    resources {
      name: "cpus"
      type: SCALAR
      scalar { value: 0.5 }
      role: "*"
      allocation_info { role: "*" }
    }
    resources {
      name: "cpus"
      type: SCALAR
      scalar { value: 1.5 }
      reservations { type: DYNAMIC role: "web" principal: "p" }
      allocation_info { role: "web" }
    }
    resources {
      name: "mem"
      type: SCALAR
      scalar { value: 4096 }
      role: "*"
      allocation_info { role: "*" }
    }
    resources {
      name: "disk"
      type: SCALAR
      scalar { value: 500 }
      role: "*"
      allocation_info { role: "*" }
      disk {
        persistence { id: "vol" }
        volume { container_path: "data" mode: RW }
      }
    }
    resources {
      name: "disk"
      type: SCALAR
      scalar { value: 100 }
      role: "*"
      allocation_info { role: "*" }
    }
    allocation_info { role: "*" }
  )pb");
}

}  // namespace mesoshttp::test
