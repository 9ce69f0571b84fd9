print("splitsoc-app: not yet")
