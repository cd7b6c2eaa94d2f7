// Layering.UiIncludeScanFindsAnOffender: a widget that reaches for the store directly.
#include "chat/chatstore.h"
