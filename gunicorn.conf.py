"""gunicorn's settings for the LMS (`gunicorn -c gunicorn.conf.py`); command-line flags win.

The access log is one line per request without the query string or the referrer, which carry
people's names (the search pages): time, process, request id (lms/logs.py), method, path,
protocol, status, bytes, milliseconds. Here rather than on the command line: a systemd unit
would read the `%` of the format as its own specifiers.
"""

accesslog = "-"
access_log_format = '%(t)s %(p)s [%({x-request-id}o)s] "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
