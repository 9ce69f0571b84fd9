import RTCommands

SplitSoCRT.main()
