#pragma once
#include "kindlyguard/cli/commands.hpp"
