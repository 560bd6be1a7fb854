"""What every test directory shares."""

from __future__ import annotations

import signal

# Tests send Ctrl-C (SIGINT) to the processes they start. A shell that runs this suite in the background
# without job control (`... &` in a script, nohup) starts it with SIGINT ignored, and an ignored signal stays
# ignored across exec, so those processes would never see it; a handled one is reset to the default at exec.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
