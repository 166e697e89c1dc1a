"""One router per capability; each validates, authorises and calls into the capability."""
