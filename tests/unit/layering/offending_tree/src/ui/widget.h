#pragma once
// The fixture of Layering.IncludeScanFindsAnOffender: a widget that includes the chat store.
#include "core/chat/chatstore.h"
