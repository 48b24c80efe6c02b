@echo off
rem Offline install on Windows: take the first Python 3.11+ this bundle has wheels for and let
rem install.py make .\venv from .\wheels. The py launcher (installed with python.org's Python)
rem is tried first, newest version first, then python on PATH.
rem Set SASAEAI_NO_PAUSE=1 to run it from a deployment script without waiting for a key.
rem The probes read from nul: a py launcher that offers to download a missing Python must get
rem "no" at once, not wait for an answer behind >nul.
setlocal
set "PY="
set "ANY="
for %%V in (3.14 3.13 3.12 3.11) do (
  if not defined PY (
    py -%%V "%~dp0install.py" --check <nul >nul 2>&1 && set "PY=py -%%V"
    py -%%V -c "" <nul >nul 2>&1 && set "ANY=py -%%V"
  )
)
if not defined PY (
  python "%~dp0install.py" --check <nul >nul 2>&1 && set "PY=python"
)
if not defined PY (
  python -c "import sys; sys.exit(sys.version_info < (3, 11))" <nul >nul 2>&1 && set "ANY=python"
)
rem A Python that does not fit the bundle: install.py says which versions would.
if not defined PY set "PY=%ANY%"
if not defined PY goto no_python
%PY% "%~dp0install.py" %*
set "RC=%ERRORLEVEL%"
goto done

:no_python
echo Python 3.11 以上が見つかりません。python.org の Windows 用インストーラー（64-bit）で Python を入れてから、もう一度実行してください。
set "RC=2"

:done
if not defined SASAEAI_NO_PAUSE pause
exit /b %RC%
