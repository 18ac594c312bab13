import Aggregates
