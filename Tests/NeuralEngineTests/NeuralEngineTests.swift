// Tests for the NeuralEngine module.
import XCTest
