; Gardu for Windows booths: the installer a site technician double-clicks.
;
; Built by `bash .ci/windows`, which passes:
;   -DVERSION=0.1.0            the crate version (Cargo.toml)
;   -DEXE=path/to/gardu.exe    the release cross-build
;   -DOUTFILE=path/to/gardu-setup-0.1.0.exe
;   -DEXAMPLE=path/to/config.toml.example
;   -DICON=path/to/gardu.ico
;   -DFAST                     no compression (the Wine smoke suite installs a debug build)
;
; Installs to Program Files, makes %ProgramData%\Gardu (writable for booth users) with
; config.toml.example, Start-menu shortcuts per booth mode, and optionally starts one booth
; mode full screen at logon. The uninstaller keeps the data folder unless asked.
; Silent use: gardu-setup-X.exe /S [/LOGON=entry|exit|admin|none]   and   uninstall.exe /S [/PURGE]
; (without /LOGON= an upgrade keeps the logon choice of the last install).

Unicode true
; 64-bit installer: runs under wine64 in the smoke suite, and Gardu needs 64-bit Windows anyway.
Target amd64-unicode
ManifestDPIAware true
RequestExecutionLevel admin
!ifdef FAST
  SetCompress off ; the Wine smoke suite's throwaway installer of a debug build
!else
  SetCompressor /SOLID lzma
!endif

!ifndef VERSION
  !error "pass -DVERSION=x.y.z (bash .ci/windows does)"
!endif
!ifndef EXE
  !error "pass -DEXE=path/to/gardu.exe"
!endif
!ifndef OUTFILE
  !define OUTFILE "gardu-setup-${VERSION}.exe"
!endif
!ifndef ICON
  !define ICON "gardu.ico"
!endif
!ifndef EXAMPLE
  !define EXAMPLE "..\config.toml.example"
!endif

!define PRODUCT "Gardu"
!define PUBLISHER "Gardu"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Gardu"
!define SETTINGS_KEY "Software\Gardu"
!define LOGON_LINK "Gardu (start at logon).lnk"

!include "MUI2.nsh"
!include "nsDialogs.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "x64.nsh"

Name "${PRODUCT} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${PRODUCT}"
InstallDirRegKey HKLM "${SETTINGS_KEY}" "InstallDir"
BrandingText "${PRODUCT} ${VERSION}"

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=1033 "ProductName" "${PRODUCT}"
VIAddVersionKey /LANG=1033 "FileDescription" "${PRODUCT} booth console installer"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=1033 "LegalCopyright" "MIT licence"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC

Var DataDir      ; %ProgramData%\Gardu
Var LogonMode    ; "", "entry", "exit" or "admin"
Var LogonList    ; the drop-down on the logon page
Var PurgeData    ; uninstaller: "1" deletes the data folder too
Var PurgeBox

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
Page custom LogonPage LogonPageLeave
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
UninstPage custom un.DataPage un.DataPageLeave
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "Gardu needs 64-bit Windows 10 or 11." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
  StrCpy $DataDir "$APPDATA\${PRODUCT}"
  ; /LOGON=entry|exit|admin for silent installs; else what the last install chose.
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/LOGON=" $1
  ${IfNot} ${Errors}
    StrCpy $LogonMode $1
    ${If} $LogonMode == "none"
      StrCpy $LogonMode ""
    ${EndIf}
  ${Else}
    ReadRegStr $LogonMode HKLM "${SETTINGS_KEY}" "LogonMode"
  ${EndIf}
  ${If} $LogonMode != ""
  ${AndIf} $LogonMode != "entry"
  ${AndIf} $LogonMode != "exit"
  ${AndIf} $LogonMode != "admin"
    MessageBox MB_ICONSTOP "/LOGON= takes entry, exit, admin or none." /SD IDOK
    Abort
  ${EndIf}
FunctionEnd

; The optional "start at logon in full screen" choice.
Function LogonPage
  !insertmacro MUI_HEADER_TEXT "Start at logon" "A booth PC can open its booth full screen when Windows starts."
  nsDialogs::Create 1018
  Pop $0
  ${NSD_CreateLabel} 0 0 100% 36u "Open this booth mode full screen whenever a user logs on to this PC. Leave it at $\"Do not start$\" for an office PC; it can be changed by running this installer again."
  Pop $0
  ${NSD_CreateDropList} 0 44u 60% 80u ""
  Pop $LogonList
  ${NSD_CB_AddString} $LogonList "Do not start at logon"
  ${NSD_CB_AddString} $LogonList "ParkingIN (entry booth)"
  ${NSD_CB_AddString} $LogonList "ParkingOut (exit booth)"
  ${NSD_CB_AddString} $LogonList "Admin"
  ${Select} $LogonMode
    ${Case} "entry"
      ${NSD_CB_SelectString} $LogonList "ParkingIN (entry booth)"
    ${Case} "exit"
      ${NSD_CB_SelectString} $LogonList "ParkingOut (exit booth)"
    ${Case} "admin"
      ${NSD_CB_SelectString} $LogonList "Admin"
    ${CaseElse}
      ${NSD_CB_SelectString} $LogonList "Do not start at logon"
  ${EndSelect}
  nsDialogs::Show
FunctionEnd

Function LogonPageLeave
  ${NSD_GetText} $LogonList $0
  ${Select} $0
    ${Case} "ParkingIN (entry booth)"
      StrCpy $LogonMode "entry"
    ${Case} "ParkingOut (exit booth)"
      StrCpy $LogonMode "exit"
    ${Case} "Admin"
      StrCpy $LogonMode "admin"
    ${CaseElse}
      StrCpy $LogonMode ""
  ${EndSelect}
FunctionEnd

Section "Gardu (required)" SecMain
  SectionIn RO
  SetRegView 64
  SetShellVarContext all

  SetOutPath "$INSTDIR"
  File "/oname=gardu.exe" "${EXE}"
  File "/oname=gardu.ico" "${ICON}"
  File "/oname=config.toml.example" "${EXAMPLE}"

  ; The data folder: database, journals, photos, logs and config.toml live here, never in
  ; Program Files. Booth users (not administrators) must be able to write in it.
  CreateDirectory "$DataDir"
  SetOutPath "$DataDir"
  File "/oname=config.toml.example" "${EXAMPLE}"
  nsExec::ExecToLog 'icacls "$DataDir" /grant *S-1-5-32-545:(OI)(CI)M /T /Q'
  Pop $0

  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "${SETTINGS_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${SETTINGS_KEY}" "DataDir" "$DataDir"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\gardu.ico"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" $0
SectionEnd

Section "Start-menu shortcuts (ParkingIN, ParkingOut, Admin, Simulation)" SecShortcuts
  SetShellVarContext all
  ; The shortcuts start in the data folder, so Gardu finds config.toml and its files there.
  SetOutPath "$DataDir"
  CreateDirectory "$SMPROGRAMS\${PRODUCT}"
  CreateShortCut "$SMPROGRAMS\${PRODUCT}\Gardu ParkingIN.lnk" "$INSTDIR\gardu.exe" "--mode entry" "$INSTDIR\gardu.ico" 0 SW_SHOWNORMAL "" "Entry booth"
  CreateShortCut "$SMPROGRAMS\${PRODUCT}\Gardu ParkingOut.lnk" "$INSTDIR\gardu.exe" "--mode exit" "$INSTDIR\gardu.ico" 0 SW_SHOWNORMAL "" "Exit booth"
  CreateShortCut "$SMPROGRAMS\${PRODUCT}\Gardu Admin.lnk" "$INSTDIR\gardu.exe" "--mode admin" "$INSTDIR\gardu.ico" 0 SW_SHOWNORMAL "" "Admin: transactions, statistics, users, tariffs"
  CreateShortCut "$SMPROGRAMS\${PRODUCT}\Gardu Simulation.lnk" "$INSTDIR\gardu.exe" "--simulate" "$INSTDIR\gardu.ico" 0 SW_SHOWNORMAL "" "Every device simulated: training and tests"
  CreateShortCut "$SMPROGRAMS\${PRODUCT}\Gardu data folder.lnk" "$DataDir"
  CreateShortCut "$SMPROGRAMS\${PRODUCT}\Uninstall Gardu.lnk" "$INSTDIR\uninstall.exe"
SectionEnd

Section "-Start at logon"
  SetRegView 64
  SetShellVarContext all
  Delete "$SMSTARTUP\${LOGON_LINK}"
  WriteRegStr HKLM "${SETTINGS_KEY}" "LogonMode" "$LogonMode"
  ${If} $LogonMode != ""
    SetOutPath "$DataDir"
    CreateShortCut "$SMSTARTUP\${LOGON_LINK}" "$INSTDIR\gardu.exe" "--mode $LogonMode --fullscreen" "$INSTDIR\gardu.ico" 0 SW_SHOWMAXIMIZED "" "Gardu booth, full screen"
    DetailPrint "Gardu --mode $LogonMode starts full screen at logon."
  ${EndIf}
SectionEnd

; Uninstaller: the data folder holds the site's records, so it stays unless asked.
Function un.onInit
  SetRegView 64
  SetShellVarContext all
  ReadRegStr $DataDir HKLM "${SETTINGS_KEY}" "DataDir"
  ${If} $DataDir == ""
    StrCpy $DataDir "$APPDATA\${PRODUCT}"
  ${EndIf}
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/PURGE" $1
  ${IfNot} ${Errors}
    StrCpy $PurgeData "1"
  ${EndIf}
FunctionEnd

Function un.DataPage
  !insertmacro MUI_HEADER_TEXT "Data folder" "$DataDir"
  nsDialogs::Create 1018
  Pop $0
  ${NSD_CreateLabel} 0 0 100% 40u "The data folder holds this booth's database, offline journals not yet synced, photos, logs, config.toml and site.secret. It is kept, so a reinstall or upgrade carries on where this one stopped."
  Pop $0
  ${NSD_CreateCheckbox} 0 48u 100% 12u "Also delete the data folder (records not synced to the server are lost)"
  Pop $PurgeBox
  nsDialogs::Show
FunctionEnd

Function un.DataPageLeave
  ${NSD_GetState} $PurgeBox $0
  ${If} $0 == ${BST_CHECKED}
    MessageBox MB_YESNO|MB_ICONEXCLAMATION "Delete $DataDir with its database and journals? This cannot be undone." IDYES +2
    Abort
    StrCpy $PurgeData "1"
  ${EndIf}
FunctionEnd

Section "Uninstall"
  SetRegView 64
  SetShellVarContext all
  Delete "$SMSTARTUP\${LOGON_LINK}"
  RMDir /r "$SMPROGRAMS\${PRODUCT}"
  Delete "$INSTDIR\gardu.exe"
  Delete "$INSTDIR\gardu.ico"
  Delete "$INSTDIR\config.toml.example"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  ${If} $PurgeData == "1"
    RMDir /r "$DataDir"
    DetailPrint "Deleted the data folder $DataDir"
  ${Else}
    DetailPrint "Kept the data folder $DataDir"
  ${EndIf}
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  DeleteRegKey HKLM "${SETTINGS_KEY}"
SectionEnd
