"""Preloaded by the fork server of the certificate rendering pool (certificates/pdf.py).

Importing it loads WeasyPrint and renders sample certificates in three scripts: the stylesheets are
parsed, the @font-face fonts copied once and every font loaded before any worker is forked, so
workers start warm and share those copies (a worker that parsed the stylesheets itself would leave
its own copy of the 19 MB Chinese font in the temporary folder: workers end with os._exit).
"""

from certificates.pdf import warm_up

warm_up()
