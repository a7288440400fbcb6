/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VM run state; see monitor/runstate.h. */
#include "monitor/runstate.h"

#include "util/log.h"

static XptRunState current = XPT_RUNSTATE_RUNNING;

XptRunState xpt_runstate_get(void)
{
    return current;
}

const char *xpt_runstate_name(XptRunState state)
{
    switch (state) {
    case XPT_RUNSTATE_PRELAUNCH:
        return "prelaunch";
    case XPT_RUNSTATE_RUNNING:
        return "running";
    case XPT_RUNSTATE_PAUSED:
        return "paused";
    case XPT_RUNSTATE_SHUTDOWN:
        return "shutdown";
    }
    return "running";
}

void xpt_runstate_set(XptRunState state)
{
    /* stop/cont come from QMP clients: their trace is rate-limited */
    static XptRateLimit rl = XPT_RATELIMIT_INIT(10, 1000);
    if (state != current) {
        xpt_log_ratelimited(&rl, XPT_LOG_QMP, "run state %s -> %s",
                            xpt_runstate_name(current), xpt_runstate_name(state));
    }
    current = state;
}

bool xpt_runstate_is_running(void)
{
    return current == XPT_RUNSTATE_RUNNING;
}
