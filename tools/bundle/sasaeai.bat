@echo off
rem Launcher: with arguments, runs sasaeai with them; without (a double click), opens the web
rem page (sasaeai serve) when this version has it, else shows the commands and leaves a console
rem open with sasaeai on PATH, so staff can type them. A double click starts in Documents, so
rem the default output folder is not inside the bundle, which an update replaces.
setlocal
set "HERE=%~dp0"
set "SASAEAI=%HERE%venv\Scripts\sasaeai.exe"
if not exist "%SASAEAI%" goto not_installed
if not "%~1"=="" goto pass_through
if exist "%USERPROFILE%\Documents" cd /d "%USERPROFILE%\Documents"
"%SASAEAI%" serve --help >nul 2>&1
if errorlevel 1 goto console
"%SASAEAI%" serve
set "RC=%ERRORLEVEL%"
rem A failed start (the port in use, say) must stay on screen after a double click.
if not "%RC%"=="0" pause
exit /b %RC%

:pass_through
"%SASAEAI%" %*
exit /b %ERRORLEVEL%

:console
set "PATH=%HERE%venv\Scripts;%PATH%"
"%SASAEAI%" --help
echo.
echo このウィンドウで sasaeai のコマンドを入力できます（例: sasaeai check 台帳.xlsx）。閉じるには exit と入力します。
cmd /k
exit /b 0

:not_installed
echo sasaeai はまだインストールされていません。先に install.bat を実行してください。
pause
exit /b 2
