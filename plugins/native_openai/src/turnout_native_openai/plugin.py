"""Hook implementations of turnout-native-openai."""
