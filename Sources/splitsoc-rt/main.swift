print("splitsoc-rt: not yet")
