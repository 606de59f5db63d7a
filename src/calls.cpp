#include "mesoshttp/calls.hpp"
