#pragma once
// The fixture of Layering.IncludeScanFindsAnOffender: core reaching up into the widgets.
#include "ui/chat/messagelayout.h"
