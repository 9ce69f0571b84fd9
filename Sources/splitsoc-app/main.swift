import AppCommands

SplitSoCApp.main()
