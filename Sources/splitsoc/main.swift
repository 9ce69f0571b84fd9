import ArgumentParser
import SoCCommands

SplitSoCCommand.main()
