print("splitsoc: not yet")
